// The Gemini API (generativelanguage.googleapis.com) through @google/generative-ai, keyed by GEMINI_API_KEY.
import { defineProvider, listedPrice, assumedPrice, type RouteOfDefinition } from "../provider-definition";
import { GEMINI_FIELDS, GEMINI_THINKING_LEVELS } from "./gemini-generation-config";

const READ_ON = "2026-12-01";
const GOOGLE =
  "Google's Gemini API pricing page (ai.google.dev/gemini-api/docs/pricing) as quoted by price listings; standard tier, prompts up to 200k tokens";

export const gemini = defineProvider({
  name: "gemini",
  label: "gemini (the Gemini API)",
  routeSchema: (z, model) => z.strictObject({ provider: z.literal("gemini"), model }),
  parameters: { supported: GEMINI_FIELDS, thinkingLevels: GEMINI_THINKING_LEVELS },
  secrets: ["GEMINI_API_KEY"],
  baseUrlEnv: "GEMINI_BASE_URL",
  /**
   * The original's GEMINI_FLASH meant Gemini 2.0 Flash, which Google retired; it now means the stable 2.5 Flash.
   * Pinned names, not "-latest" aliases, so that a research run is reproducible.
   */
  modelKeys: {
    GEMINI_FLASH: "gemini-2.5-flash",
    GEMINI_FLASH_LITE: "gemini-2.5-flash-lite",
    GEMINI_PRO: "gemini-2.5-pro",
    GEMINI_2_5_FLASH: "gemini-2.5-flash",
    GEMINI_2_5_FLASH_LITE: "gemini-2.5-flash-lite",
    GEMINI_2_5_PRO: "gemini-2.5-pro",
    GEMINI_3_5_FLASH: "gemini-3.5-flash",
    GEMINI_3_5_FLASH_LITE: "gemini-3.5-flash-lite",
    GEMINI_3_1_PRO: "gemini-3.1-pro-preview",
    GEMINI_FLASH_LATEST: "gemini-flash-latest",
  },
  prices: {
    "gemini-2.5-flash": listedPrice(READ_ON, 0.3, 2.5, GOOGLE),
    "gemini-2.5-flash-lite": listedPrice(READ_ON, 0.1, 0.4, GOOGLE),
    "gemini-2.5-pro": listedPrice(READ_ON, 1.25, 10, GOOGLE),
    "gemini-3.5-flash": listedPrice(READ_ON, 1.5, 9, GOOGLE),
    "gemini-3.1-pro-preview": listedPrice(READ_ON, 2, 12, GOOGLE),
    "gemini-3.5-flash-lite": assumedPrice(READ_ON, 0.25, 1.5, "gemini-3.1-flash-lite"),
    "gemini-flash-latest": assumedPrice(READ_ON, 1.5, 9, "gemini-3.5-flash, the Flash model the alias named when this table was written"),
  },
  // First: its start-up line leads, and its missing key stops the runtime before any other provider is set up.
  setupOrder: 0,
});

export type GeminiRoute = RouteOfDefinition<typeof gemini>;
