// Which step parameters each provider takes, and the values it accepts: checked with the config, before any call.
import type { ProviderName } from "./model-table";
import type { ConfigIssue } from "../config/config-issue";
import type { GenerationConfig } from "../config/generation-config";

type Field = keyof GenerationConfig;

const GEMINI_FIELDS: readonly Field[] = [
  "temperature",
  "topP",
  "topK",
  "maxOutputTokens",
  "candidateCount",
  "stopSequences",
  "responseMimeType",
  "responseSchema",
  "seed",
  "presencePenalty",
  "frequencyPenalty",
  "responseLogprobs",
  "logprobs",
  "thinkingBudget",
  "thinkingLevel",
];

/** What each provider's request can carry (the adapters in shared/models/ map these and nothing else). */
const SUPPORTED: Record<ProviderName, readonly Field[]> = {
  gemini: GEMINI_FIELDS,
  // Gemini on Vertex AI takes the same request as the Gemini API.
  vertex: GEMINI_FIELDS,
  // Anthropic's API version 2026-10-21 (what @anthropic-ai/sdk 1.x sends) refuses temperature, top_p and top_k on
  // every Claude model with a 400, so a step asking for them is refused here, before any call.
  anthropic: ["maxOutputTokens", "stopSequences", "responseMimeType", "responseSchema", "thinkingBudget", "thinkingLevel"],
  openai: [
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
};

/** thinking_level names each vendor knows: Gemini's thinkingLevel, Claude's effort, OpenAI's reasoning_effort. */
const THINKING_LEVELS: Record<ProviderName, readonly string[]> = {
  gemini: ["minimal", "low", "medium", "high"],
  vertex: ["minimal", "low", "medium", "high"],
  anthropic: ["low", "medium", "high", "xhigh", "max"],
  openai: ["none", "minimal", "low", "medium", "high", "xhigh"],
};

const PROVIDER_LABEL: Record<ProviderName, string> = {
  gemini: "gemini (the Gemini API)",
  vertex: "vertex (Gemini on Vertex AI)",
  anthropic: "anthropic (Claude)",
  openai: "openai (an OpenAI-compatible server)",
};

/** The output limit Claude gets when a step sets none: the original's Anthropic executor sent 1,024. */
export const CLAUDE_DEFAULT_MAX_TOKENS = 1024;
const SAMPLING: readonly Field[] = ["temperature", "topP", "topK"];
/** Anthropic's floor for an extended-thinking budget. */
const CLAUDE_MIN_THINKING_BUDGET = 1024;

export const snakeName = (field: Field) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * Problems with a converted config for one provider, each at the parameter's path under `parameters` (named as the
 * step wrote it). Parameters the provider cannot take are errors, not silently dropped: the run would differ from
 * what the config says.
 */
export function providerParameterIssues(
  provider: ProviderName,
  config: GenerationConfig,
  names: Partial<Record<Field, string>>,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const at = (field: Field) => names[field] ?? snakeName(field);
  const supported = SUPPORTED[provider];
  for (const field of Object.keys(config) as Field[]) {
    if (config[field] === undefined || supported.includes(field)) continue;
    const why =
      provider === "anthropic" && SAMPLING.includes(field)
        ? " (Anthropic's current API refuses sampling parameters on every Claude model)"
        : "";
    issues.push({
      path: at(field),
      message: `the provider ${PROVIDER_LABEL[provider]} does not support parameter "${at(field)}"${why}; it supports ${supported.map(snakeName).join(", ")}`,
    });
  }
  const level = config.thinkingLevel;
  if (level !== undefined && supported.includes("thinkingLevel") && !THINKING_LEVELS[provider].includes(level)) {
    issues.push({
      path: at("thinkingLevel"),
      message: `the provider ${PROVIDER_LABEL[provider]} takes thinking_level ${THINKING_LEVELS[provider].join(", ")}; got "${level}"`,
    });
  }
  if (provider === "anthropic") issues.push(...claudeIssues(config, at));
  if (provider === "openai" && config.responseMimeType === "text/x.enum") {
    issues.push({
      path: at("responseMimeType"),
      message: `the provider ${PROVIDER_LABEL.openai} has no text/x.enum answers; use application/json with a response_schema`,
    });
  }
  return issues;
}

/** Claude's own limits: JSON only through a schema, a thinking budget within max_tokens. */
function claudeIssues(config: GenerationConfig, at: (field: Field) => string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const label = PROVIDER_LABEL.anthropic;
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
