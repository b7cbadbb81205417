// Gemini on Vertex AI through @google/genai, authenticated by Application Default Credentials (no secret). Vertex AI
// speaks Gemini's wire format: its adapter and its stand-in protocol reuse Gemini's request and response mapping
// (../gemini/), the one import across provider folders.
import type { ModelRouteBase } from "../../models/model-provider";
import { GEMINI_FIELDS, GEMINI_THINKING_LEVELS } from "../gemini/gemini-generation-config";
import { defineProvider, type RouteOfDefinition } from "../provider-definition";

export const vertex = defineProvider({
  name: "vertex",
  label: "vertex (Gemini on Vertex AI)",
  routeSchema: (z, model) =>
    z.strictObject({
      provider: z.literal("vertex"),
      model,
      /** A Vertex AI location such as `global` or `europe-west4`; default VERTEX_LOCATION, else `global`. */
      location: z
        .string()
        .regex(/^[a-z][a-z0-9-]*$/, "a Vertex AI location such as global or us-central1")
        .optional(),
    }),
  // Gemini on Vertex AI takes the same request as the Gemini API.
  parameters: { supported: GEMINI_FIELDS, thinkingLevels: GEMINI_THINKING_LEVELS },
  secrets: [],
  baseUrlEnv: "VERTEX_BASE_URL",
  modelKeys: {
    VERTEX_GEMINI_FLASH: "gemini-2.5-flash",
    VERTEX_GEMINI_FLASH_LITE: "gemini-2.5-flash-lite",
    VERTEX_GEMINI_PRO: "gemini-2.5-pro",
    VERTEX_GEMINI_3_5_FLASH: "gemini-3.5-flash",
    VERTEX_GEMINI_3_1_PRO: "gemini-3.1-pro-preview",
  },
  // Vertex AI bills these models as the Gemini API does, and prices are keyed by model name: gemini's prices cover them.
  prices: {},
  setupOrder: 2,
});

export type VertexRoute = RouteOfDefinition<typeof vertex>;

/** Whether a model table entry is a Vertex AI one (and so may carry a location). */
export const isVertexRoute = (route: ModelRouteBase | undefined): route is VertexRoute => route?.provider === "vertex";
