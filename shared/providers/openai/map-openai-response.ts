// Pure conversions from a Chat Completions answer (OpenAI-compatible servers) to our ModelResult, usage and finish reasons.
import { settleTotal, usageDetails, type TokenUsage } from "../../models/token-usage";
import { ModelCallError } from "../../models/model-call-error";
import type { ModelResult } from "../../models/model-provider";
import { isObject } from "../../models/vendor-helpers";

/**
 * Chat Completions usage to ours: cached prompt tokens (`prompt_tokens_details.cached_tokens`, part of prompt_tokens)
 * and reasoning tokens (`completion_tokens_details.reasoning_tokens`) when reported. OpenAI counts reasoning inside
 * completion_tokens; a server that counts it outside (its total_tokens is more than prompt + completion) has it
 * added to the output, as settleTotal does with any token the total holds beyond the two, so output is never
 * under-counted.
 */
export function mapOpenAiUsage(usage: unknown): TokenUsage {
  const u = isObject(usage) ? usage : {};
  const num = (value: unknown) => (typeof value === "number" && Number.isFinite(value) ? value : 0);
  const cached = isObject(u.prompt_tokens_details) ? num(u.prompt_tokens_details.cached_tokens) : 0;
  const thinking = isObject(u.completion_tokens_details) ? num(u.completion_tokens_details.reasoning_tokens) : 0;
  // Reasoning larger than the completion cannot be inside it, total or not.
  const completion = num(u.completion_tokens);
  const output = thinking > completion ? completion + thinking : completion;
  return {
    ...settleTotal(num(u.prompt_tokens), output, num(u.total_tokens)),
    ...usageDetails({ cached_tokens: cached, thinking_tokens: thinking }),
  };
}

/** finish_reason in Gemini's names: stop is STOP, length is MAX_TOKENS, content_filter is a filter's stop (SAFETY). */
export function mapOpenAiFinishReason(reason: unknown): { finishReason: string; filtered: boolean } {
  switch (reason) {
    case "stop":
      return { finishReason: "STOP", filtered: false };
    case "length":
      return { finishReason: "MAX_TOKENS", filtered: false };
    case "content_filter":
      return { finishReason: "SAFETY", filtered: true };
    default:
      return { finishReason: typeof reason === "string" && reason ? reason.toUpperCase() : "FINISH_REASON_UNSPECIFIED", filtered: false };
  }
}

/** A chat.completion to our result; throws a ModelCallError for a filtered, refused or empty answer (tokens attached). */
export function mapChatCompletion(raw: unknown, model: string): ModelResult {
  const who = `model "${model}" (OpenAI-compatible server)`;
  if (!isObject(raw))
    throw new ModelCallError(`${who} sent a 2xx answer that is JSON but not a chat completion; retrying may succeed`, "malformed");
  const usage = mapOpenAiUsage(raw.usage);
  const billed = isObject(raw.usage) ? { usage } : {};
  const choice: unknown = Array.isArray(raw.choices) ? raw.choices[0] : undefined;
  if (!isObject(choice))
    throw new ModelCallError(`${who} returned no choices; the prompt may need rephrasing`, "empty", { reason: "NO_CHOICES", ...billed });
  const { finishReason, filtered } = mapOpenAiFinishReason(choice.finish_reason);
  const message = isObject(choice.message) ? choice.message : {};
  const text = typeof message.content === "string" ? message.content : "";
  if (typeof message.refusal === "string" && message.refusal) {
    throw new ModelCallError(
      `${who} refused to answer: "${message.refusal.slice(0, 200)}"; rephrase the prompt or change the step's input`,
      "blocked",
      { reason: "REFUSAL", ...billed },
    );
  }
  if (filtered) {
    throw new ModelCallError(
      `${who} stopped the answer with finish_reason content_filter; rephrase the prompt or change the step's input`,
      "blocked",
      { reason: finishReason, ...billed },
    );
  }
  if (!text) {
    const hint = finishReason === "MAX_TOKENS" ? "; raise max_output_tokens (reasoning models spend part of it first)" : "";
    throw new ModelCallError(`${who} returned no text (finish_reason ${String(choice.finish_reason)})${hint}`, "empty", {
      reason: finishReason,
      ...billed,
    });
  }
  return { text, usage, finishReason };
}
