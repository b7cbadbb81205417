// Pure conversions from what Anthropic's Messages API answers to our ModelResult, usage and finish reasons.
import { usageDetails, type TokenUsage } from "../../models/token-usage";
import { ModelCallError } from "../../models/model-call-error";
import type { ModelResult } from "../../models/model-provider";
import { isObject } from "../../models/vendor-helpers";

/**
 * Anthropic's usage to ours. `input_tokens` leaves out the tokens written to and read from the prompt cache, so the
 * prompt is all three (each billed at its own rate); thinking is inside `output_tokens` (billed as output) and
 * reported apart when Claude says. Anthropic sends no total: it is the sum.
 */
export function mapAnthropicUsage(usage: unknown): TokenUsage {
  const u = isObject(usage) ? usage : {};
  const num = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : 0);
  const cached = num(u.cache_read_input_tokens);
  const cacheWrite = num(u.cache_creation_input_tokens);
  const prompt_tokens = num(u.input_tokens) + cacheWrite + cached;
  const output_tokens = num(u.output_tokens);
  const thinking = isObject(u.output_tokens_details) ? num(u.output_tokens_details.thinking_tokens) : 0;
  return {
    prompt_tokens,
    output_tokens,
    total_tokens: prompt_tokens + output_tokens,
    ...usageDetails({ cached_tokens: cached, cache_write_tokens: cacheWrite, thinking_tokens: thinking }),
  };
}

/**
 * Anthropic's stop_reason in Gemini's names, which the engine reads: end_turn and stop_sequence are STOP; max_tokens
 * and a full context window are MAX_TOKENS (the answer was cut); refusal is the model declining. Others
 * (tool_use, pause_turn) are kept, upper-cased.
 */
export function mapAnthropicStopReason(reason: unknown): { finishReason: string; refused: boolean } {
  switch (reason) {
    case "end_turn":
    case "stop_sequence":
      return { finishReason: "STOP", refused: false };
    case "max_tokens":
    case "model_context_window_exceeded":
      return { finishReason: "MAX_TOKENS", refused: false };
    case "refusal":
      return { finishReason: "REFUSAL", refused: true };
    default:
      return { finishReason: typeof reason === "string" && reason ? reason.toUpperCase() : "FINISH_REASON_UNSPECIFIED", refused: false };
  }
}

/** A Message to our result; throws a ModelCallError for a refusal or an answer without text (their tokens attached). */
export function mapAnthropicMessage(raw: unknown, model: string): ModelResult {
  const who = `Claude model "${model}"`;
  if (!isObject(raw))
    throw new ModelCallError(`${who} sent a 2xx answer that is JSON but not a message; retrying may succeed`, "malformed");
  const usage = mapAnthropicUsage(raw.usage);
  const billed = isObject(raw.usage) ? { usage } : {};
  const { finishReason, refused } = mapAnthropicStopReason(raw.stop_reason);
  const text = textOf(raw.content);
  if (refused) {
    throw new ModelCallError(
      `${who} refused to answer (stop_reason refusal${text ? ` after "${text.slice(0, 120)}"` : ""}); rephrase the prompt or change the step's input`,
      "blocked",
      { reason: finishReason, ...billed },
    );
  }
  if (!text) {
    const hint = finishReason === "MAX_TOKENS" ? "; raise max_output_tokens (thinking spends part of it before the answer)" : "";
    throw new ModelCallError(`${who} returned no text (stop_reason ${String(raw.stop_reason)})${hint}`, "empty", {
      reason: finishReason,
      ...billed,
    });
  }
  return { text, usage, finishReason };
}

/** The answer: the text blocks joined; thinking blocks are the model's notes, not its answer. */
function textOf(content: unknown): string {
  if (!Array.isArray(content)) return "";
  return content
    .map((block: unknown) => (isObject(block) && block.type === "text" && typeof block.text === "string" ? block.text : ""))
    .join("");
}
