// The stand-in's Anthropic protocol: POST /v1/messages as the Messages API serves it, errors as {type:"error",error:{type,message}}.
//
// Faults: 429 is rate_limit_error with retry-after; 529 overloaded_error; safety is stop_reason "refusal" with no
// text; blocked is a refusal after a sentence; empty is no content blocks; max_tokens is half the text with
// stop_reason "max_tokens". A request asking for thinking gets a thinking block, counted in output_tokens. The
// cachedTokens knob is reported as cache_read_input_tokens (out of input_tokens, as Claude counts it).
// insufficient_quota is the Messages API's answer to an empty credit balance: 400 invalid_request_error.
// Its Message Batches API is standin-batch.ts, exported here as `batch`.
// Local code: the offline stand-in loads it (local/standin/standin-server.ts); the deployed bundle never does.
import {
  answerText,
  contentText,
  type AnswerContext,
  estimateUsage,
  isObject,
  MALFORMED_MARKER,
  retryHeaders,
  type StandinAnswer,
  type StandinProtocol,
} from "../../../local/standin/standin-protocol";
import type { StandinBatchRoutes } from "../../../local/standin/standin-batches";
import { estimateTokens, type StandinPrompt } from "../../../local/standin/standin-reply";
import { anthropicBatchRoutes } from "./standin-batch";

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  429: "rate_limit_error",
  500: "api_error",
  503: "api_error",
  504: "api_error",
  529: "overloaded_error",
};

const THINKING = "[stand-in thinking]";
let messageCount = 0;

function error(status: number, message: string, headers: Record<string, string> = {}): StandinAnswer {
  return { status, body: { type: "error", error: { type: ERROR_TYPES[status] ?? "api_error", message } }, headers };
}

function parse(json: Record<string, unknown>): StandinPrompt | string {
  const { model, max_tokens, system, messages, ...rest } = json;
  if (typeof model !== "string" || !model) return "model: Field required";
  if (typeof max_tokens !== "number") return "max_tokens: Field required";
  if (!Array.isArray(messages) || messages.length === 0) return "messages: at least one message is required";
  const user = messages.filter((m) => isObject(m) && m.role === "user").map((m) => contentText((m as { content?: unknown }).content));
  const format = isObject(rest.output_config) && isObject(rest.output_config.format) ? rest.output_config.format : undefined;
  return {
    model,
    systemPrompt: contentText(system),
    userPrompt: user.join("\n"),
    generationConfig: { max_tokens, ...rest },
    ...(format?.type === "json_schema" ? { responseFormat: { mimeType: "application/json", schema: format.schema } } : {}),
  };
}

/** A Messages API message: text (and a thinking block when asked for), the stop reason, the usage. */
function message(prompt: StandinPrompt, ctx: AnswerContext, blocks: { text?: string; stop: string }): StandinAnswer {
  const thinking = isObject(prompt.generationConfig.thinking) && prompt.generationConfig.thinking.type !== "disabled";
  const text = blocks.text ?? "";
  const tokens = estimateUsage(prompt, text, ctx);
  const thinkingTokens = thinking ? estimateTokens(THINKING) : 0;
  const content = [
    ...(thinking ? [{ type: "thinking", thinking: THINKING, signature: "stand-in" }] : []),
    ...(blocks.text === undefined ? [] : [{ type: "text", text, citations: null }]),
  ];
  const usage = {
    input_tokens: tokens.prompt - tokens.cached,
    output_tokens: (blocks.text === undefined ? 0 : tokens.output) + thinkingTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: tokens.cached,
    ...(thinking ? { output_tokens_details: { thinking_tokens: thinkingTokens } } : {}),
  };
  const id = `msg_standin_${++messageCount}`;
  return {
    status: 200,
    body: { id, type: "message", role: "assistant", model: prompt.model, content, stop_reason: blocks.stop, stop_sequence: null, usage },
  };
}

export const protocol: StandinProtocol = {
  name: "anthropic",
  path: "/v1/messages",
  match: (method, path) => (method === "POST" && path === "/v1/messages" ? {} : undefined),
  parse,
  error,
  answer(prompt, outcome, ctx) {
    switch (outcome) {
      case "ok":
      case "max_tokens":
        return message(prompt, ctx, { text: answerText(prompt, outcome, ctx), stop: outcome === "ok" ? "end_turn" : "max_tokens" });
      case "rate_limited":
        return error(
          429,
          `Number of requests has exceeded your rate limit of ${ctx.rpm} per minute. [stand-in rate limit]`,
          retryHeaders(ctx.retryDelayMs),
        );
      case "429":
        return error(
          429,
          "Number of request tokens has exceeded your per-minute rate limit. [stand-in injected fault]",
          retryHeaders(ctx.retryDelayMs),
        );
      case "malformed":
        return { status: 200, body: undefined, raw: `{"type":"message","content":[{"type":"text","text":"${MALFORMED_MARKER}` };
      case "safety":
        return message(prompt, ctx, { stop: "refusal" });
      case "blocked":
        return message(prompt, ctx, { text: "I can't help with that.", stop: "refusal" });
      case "empty":
        return message(prompt, ctx, { stop: "end_turn" });
      case "reset":
        return "reset";
      case "insufficient_quota":
        return error(
          400,
          "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits. [stand-in injected fault]",
        );
      default:
        return error(Number(outcome), `${ERROR_TYPES[Number(outcome)] ?? "error"} [stand-in injected fault]`);
    }
  },
};

/** The Message Batches API over the stand-in's shared batch jobs, answering in this protocol's words. */
export const batch: StandinBatchRoutes = anthropicBatchRoutes(protocol);
