// An answer cut at the output token limit (finishReason MAX_TOKENS): a warning for text, a failure for JSON.
import type { GenerationConfig } from "../config/generation-config";
import { StepFailure } from "./run-error";
import type { StepScope } from "./step-scope";

export const MAX_TOKENS = "MAX_TOKENS";

/**
 * A cut text answer is still an answer, so the step succeeds and says it was cut; a cut JSON answer is not
 * valid JSON, and handing it on would only fail later, further from its cause.
 */
export function checkTruncation(scope: StepScope, finishReason: string, text: string, config: GenerationConfig): void {
  if (finishReason !== MAX_TOKENS) return;
  if (isJson(config)) {
    scope.record.response = text; // the cut answer, for whoever reads the record
    throw truncated(scope, config, "the JSON answer was cut short and is not valid JSON");
  }
  scope.record.warnings.push(
    `the answer was cut at the output token limit (finishReason MAX_TOKENS, ${limitText(config)}); raise max_output_tokens for a complete answer`,
  );
}

/** The failure for an answer cut before any text came (a thinking model can spend the whole limit thinking). */
export function truncatedWithoutText(scope: StepScope, config: GenerationConfig): StepFailure {
  scope.record.finish_reason = MAX_TOKENS;
  return truncated(scope, config, "the model reached it before writing any text (thinking models spend part of the limit first)");
}

function truncated(scope: StepScope, config: GenerationConfig, what: string): StepFailure {
  return new StepFailure(
    "output_truncated",
    `the answer stopped at the output token limit (finishReason MAX_TOKENS): ${what}; raise max_output_tokens in the step's parameters (${limitText(config)})`,
    `${scope.at}.model_query_config.parameters.max_output_tokens`,
  );
}

function limitText(config: GenerationConfig): string {
  return config.maxOutputTokens !== undefined
    ? `max_output_tokens is ${config.maxOutputTokens}`
    : "max_output_tokens is not set, so the model's default limit applied";
}

function isJson(config: GenerationConfig): boolean {
  return config.responseMimeType?.trim().toLowerCase() === "application/json";
}
