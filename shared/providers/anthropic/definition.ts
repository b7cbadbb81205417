// Anthropic's Messages API through @anthropic-ai/sdk, keyed by ANTHROPIC_API_KEY.
import { assumedPrice, defineProvider } from "../provider-definition";
import { ANTHROPIC_PARAMETERS } from "./anthropic-parameters";

const READ_ON = "2026-12-01";

export const anthropic = defineProvider({
  name: "anthropic",
  label: "anthropic (Claude)",
  routeSchema: (z, model) => z.strictObject({ provider: z.literal("anthropic"), model }),
  parameters: ANTHROPIC_PARAMETERS,
  secrets: ["ANTHROPIC_API_KEY"],
  baseUrlEnv: "ANTHROPIC_BASE_URL",
  // The ids of @anthropic-ai/sdk's own model list (its `Model` type) when this table was written.
  modelKeys: {
    CLAUDE_HAIKU: "claude-haiku-5-5",
    CLAUDE_SONNET: "claude-sonnet-5-5",
    CLAUDE_OPUS: "claude-opus-5-5",
  },
  prices: {
    "claude-haiku-5-5": assumedPrice(READ_ON, 1, 5, "Claude Haiku 4.5"),
    "claude-sonnet-5-5": assumedPrice(READ_ON, 3, 15, "Claude Sonnet 4.6"),
    "claude-opus-5-5": assumedPrice(READ_ON, 5, 25, "Claude Opus 4.7"),
  },
  setupOrder: 1,
});
