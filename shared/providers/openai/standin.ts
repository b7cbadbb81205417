// The stand-in's OpenAI protocol: POST /v1/chat/completions as OpenAI-compatible servers serve it; its Batch API
// (files and batches) is `batch`, from standin-batch.ts.
//
// Errors are {error:{message,type,param,code}}. Faults: 429 carries retry-after; safety is finish_reason
// "content_filter" with no content; blocked is a refusal (message.refusal); empty is no choices; max_tokens is
// half the text with finish_reason "length". A request with a reasoning_effort other than none is billed
// reasoning tokens inside completion_tokens, as OpenAI's reasoning models are; the cachedTokens knob is reported as
// prompt_tokens_details.cached_tokens. insufficient_quota is OpenAI's 429 for an account out of credits (no retry hints).
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
import { estimateTokens, type StandinPrompt } from "../../../local/standin/standin-reply";
import type { StandinBatchRoutes } from "../../../local/standin/standin-batches";
import { openAiBatchRoutes } from "./standin-batch";

const ERROR_TYPES: Record<number, [type: string, code: string | null]> = {
  400: ["invalid_request_error", null],
  401: ["invalid_request_error", "invalid_api_key"],
  403: ["invalid_request_error", "unsupported_country_region_territory"],
  404: ["invalid_request_error", "model_not_found"],
  429: ["requests", "rate_limit_exceeded"],
  500: ["server_error", null],
  503: ["server_error", "overloaded"],
  504: ["server_error", "timeout"],
  529: ["server_error", "overloaded"],
};

const REASONING = "[stand-in reasoning]";
let completionCount = 0;

function error(status: number, message: string, headers: Record<string, string> = {}): StandinAnswer {
  const [type, code] = ERROR_TYPES[status] ?? ["server_error", null];
  return { status, body: { error: { message, type, param: null, code } }, headers };
}

function parse(json: Record<string, unknown>): StandinPrompt | string {
  const { model, messages, ...rest } = json;
  if (typeof model !== "string" || !model) return "you must provide a model parameter";
  if (!Array.isArray(messages) || messages.length === 0) return "'messages' must contain at least one message";
  const said = (roles: string[]) =>
    messages.filter((m) => isObject(m) && roles.includes(String(m.role))).map((m) => contentText((m as { content?: unknown }).content));
  const format = isObject(rest.response_format) ? rest.response_format : undefined;
  const schema = format?.type === "json_schema" && isObject(format.json_schema) ? format.json_schema.schema : undefined;
  return {
    model,
    systemPrompt: said(["system", "developer"]).join("\n"),
    userPrompt: said(["user"]).join("\n"),
    generationConfig: rest,
    ...(format?.type === "json_schema" || format?.type === "json_object"
      ? { responseFormat: { mimeType: "application/json", schema } }
      : {}),
  };
}

/** A chat.completion with one choice (or none), and the usage. */
function completion(
  prompt: StandinPrompt,
  ctx: AnswerContext,
  choice?: { content: string | null; finish: string; refusal?: string },
): StandinAnswer {
  const effort = prompt.generationConfig.reasoning_effort;
  const reasoning = typeof effort === "string" && effort !== "none" ? estimateTokens(REASONING) : 0;
  const tokens = estimateUsage(prompt, choice?.content ?? "", ctx);
  const completionTokens = tokens.output + reasoning;
  const usage = {
    prompt_tokens: tokens.prompt,
    completion_tokens: completionTokens,
    total_tokens: tokens.prompt + completionTokens,
    prompt_tokens_details: { cached_tokens: tokens.cached },
    completion_tokens_details: { reasoning_tokens: reasoning },
  };
  const choices = choice
    ? [
        {
          index: 0,
          message: { role: "assistant", content: choice.content, refusal: choice.refusal ?? null },
          finish_reason: choice.finish,
          logprobs: null,
        },
      ]
    : [];
  return {
    status: 200,
    body: { id: `chatcmpl-standin-${++completionCount}`, object: "chat.completion", created: 0, model: prompt.model, choices, usage },
  };
}

export const protocol: StandinProtocol = {
  name: "openai",
  path: "/v1/chat/completions",
  // Clients whose base URL already ends in /v1 post to /v1/chat/completions; some servers are addressed without it.
  match: (method, path) => (method === "POST" && (path === "/v1/chat/completions" || path === "/chat/completions") ? {} : undefined),
  parse,
  error,
  answer(prompt, outcome, ctx) {
    switch (outcome) {
      case "ok":
      case "max_tokens":
        return completion(prompt, ctx, { content: answerText(prompt, outcome, ctx), finish: outcome === "ok" ? "stop" : "length" });
      case "rate_limited":
        return error(
          429,
          `Rate limit reached: limit ${ctx.rpm} requests per minute. [stand-in rate limit]`,
          retryHeaders(ctx.retryDelayMs),
        );
      case "429":
        return error(429, "Rate limit reached for requests. [stand-in injected fault]", retryHeaders(ctx.retryDelayMs));
      case "malformed":
        return { status: 200, body: undefined, raw: `{"object":"chat.completion","choices":[{"message":{"content":"${MALFORMED_MARKER}` };
      case "safety":
        return completion(prompt, ctx, { content: null, finish: "content_filter" });
      case "blocked":
        return completion(prompt, ctx, { content: null, finish: "stop", refusal: "I'm sorry, I can't help with that." });
      case "empty":
        return completion(prompt, ctx);
      case "reset":
        return "reset";
      case "insufficient_quota":
        return {
          status: 429,
          body: {
            error: {
              message: "You exceeded your current quota, please check your plan and billing details. [stand-in injected fault]",
              type: "insufficient_quota",
              param: null,
              code: "insufficient_quota",
            },
          },
        };
      default:
        return error(Number(outcome), `injected HTTP ${outcome} [stand-in injected fault]`);
    }
  },
};

/** OpenAI's Batch API (files and batches) over the stand-in's shared jobs: standin-batch.ts. */
export const batch: StandinBatchRoutes = openAiBatchRoutes(protocol);
