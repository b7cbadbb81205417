// Any server speaking OpenAI's Chat Completions (Ollama, vLLM, llama.cpp, LM Studio, OpenRouter) through `openai`.
// Each model table entry names its server (base_url) and the variable holding its key (api_key_env).
import type { ModelRouteBase } from "../../models/model-provider";
import { defineProvider, type RouteOfDefinition } from "../provider-definition";

export const openai = defineProvider({
  name: "openai",
  label: "openai (an OpenAI-compatible server)",
  routeSchema: (z, model) =>
    z.strictObject({
      provider: z.literal("openai"),
      model,
      base_url: z.url({ protocol: /^https?$/, error: "base_url must be an http(s) URL such as http://127.0.0.1:11434/v1" }),
      /** The environment variable holding this server's key; default OPENAI_API_KEY. */
      api_key_env: z
        .string()
        .regex(/^[A-Z_][A-Z0-9_]*$/, "api_key_env names an environment variable, e.g. OPENROUTER_API_KEY")
        .optional(),
    }),
  parameters: {
    supported: [
      "temperature",
      "topP",
      "maxOutputTokens",
      "stopSequences",
      "responseMimeType",
      "responseSchema",
      "seed",
      "presencePenalty",
      "frequencyPenalty",
      "responseLogprobs",
      "logprobs",
      "thinkingLevel",
    ],
    // OpenAI's reasoning_effort.
    thinkingLevels: ["none", "minimal", "low", "medium", "high", "xhigh"],
    issues: (config, at, label) =>
      config.responseMimeType === "text/x.enum"
        ? [
            {
              path: at("responseMimeType"),
              message: `the provider ${label} has no text/x.enum answers; use application/json with a response_schema`,
            },
          ]
        : [],
  },
  // The default key variable; an entry's api_key_env names another.
  secrets: ["OPENAI_API_KEY"],
  baseUrlEnv: "OPENAI_BASE_URL",
  standinPath: "/v1",
  // None built in: an entry must name its server (base_url).
  modelKeys: {},
  prices: {},
  setupOrder: 3,
});

export type OpenAiRoute = RouteOfDefinition<typeof openai>;

/** Whether a model table entry is an OpenAI-compatible one (and so names its server). */
export const isOpenAiRoute = (route: ModelRouteBase | undefined): route is OpenAiRoute => route?.provider === "openai";
