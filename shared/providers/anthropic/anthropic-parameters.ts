// Which step parameters Claude takes, and Claude's own limits: checked with the config, before any call.
import type { ConfigIssue } from "../../config/config-issue";
import type { GenerationConfig } from "../../config/generation-config";
import type { GenerationField, ProviderParameters } from "../provider-definition";

/** The output limit Claude gets when a step sets none: the original's Anthropic executor sent 1,024. */
export const CLAUDE_DEFAULT_MAX_TOKENS = 1024;
/** Anthropic's floor for an extended-thinking budget. */
const CLAUDE_MIN_THINKING_BUDGET = 1024;
const SAMPLING_REFUSED = "Anthropic's current API refuses sampling parameters on every Claude model";

export const ANTHROPIC_PARAMETERS: ProviderParameters = {
  // Anthropic's API version 2026-10-21 (what @anthropic-ai/sdk 1.x sends) refuses temperature, top_p and top_k on
  // every Claude model with a 400, so a step asking for them is refused here, before any call.
  supported: ["maxOutputTokens", "stopSequences", "responseMimeType", "responseSchema", "thinkingBudget", "thinkingLevel"],
  // Claude's effort levels.
  thinkingLevels: ["low", "medium", "high", "xhigh", "max"],
  refusedBecause: { temperature: SAMPLING_REFUSED, topP: SAMPLING_REFUSED, topK: SAMPLING_REFUSED },
  issues: claudeIssues,
};

/** Claude's own limits: JSON only through a schema, a thinking budget within max_tokens. */
function claudeIssues(config: GenerationConfig, at: (field: GenerationField) => string, label: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const mime = config.responseMimeType;
  if (mime !== undefined && mime !== "text/plain" && mime !== "application/json") {
    issues.push({
      path: at("responseMimeType"),
      message: `the provider ${label} answers text/plain, or application/json with a response_schema; got "${mime}"`,
    });
  }
  if (mime === "application/json" && !config.responseSchema) {
    issues.push({
      path: at("responseMimeType"),
      message: `the provider ${label} gives JSON only through structured outputs: add a response_schema`,
    });
  }
  const budget = config.thinkingBudget;
  if (budget !== undefined) {
    const limit = config.maxOutputTokens ?? CLAUDE_DEFAULT_MAX_TOKENS;
    if (budget < CLAUDE_MIN_THINKING_BUDGET || budget >= limit) {
      issues.push({
        path: at("thinkingBudget"),
        message: `the provider ${label} takes a thinking_budget of at least ${CLAUDE_MIN_THINKING_BUDGET} and below max_output_tokens (${limit}${config.maxOutputTokens === undefined ? ", Claude's default here" : ""}); got ${budget}`,
      });
    }
  }
  return issues;
}
