// Pure conversion of what @anthropic-ai/sdk or openai threw into our ModelCallError. The two SDKs share one error
// design (APIError with status, headers and the parsed body; APIConnectionError; APIUserAbortError), so one mapping
// serves both; the vendor's own words come in through the context.
import { endingError, type CallEnding } from "./call-timeout";
import { ModelCallError } from "./model-call-error";
import { isNetworkError, isObject, nameOf } from "./vendor-helpers";

export interface SdkCallContext extends CallEnding {
  /** Who was called, for messages: `Claude model "claude-haiku-5-5"`. */
  who: string;
  baseUrl: string;
  timeoutMs: number;
  /** The secret or variable holding the key, named in the hint of a 401 or 403. */
  keyName: string;
  /** The variable that moves the endpoint, named in the hint of a 404 or a network failure. */
  baseUrlName: string;
}

export function mapSdkError(err: unknown, ctx: SdkCallContext): ModelCallError {
  const ended = endingError(ctx.who, ctx, ctx.timeoutMs, err);
  if (ended) return ended;
  const e = isObject(err) ? err : {};
  const name = nameOf(err);
  if (name === "APIUserAbortError" || e.name === "AbortError") {
    return new ModelCallError(`the call to ${ctx.who} was aborted before an answer came; retrying may succeed`, "timeout", { cause: err });
  }
  if (name === "APIConnectionTimeoutError") {
    return new ModelCallError(`no answer from ${ctx.who} in time (the SDK's own timeout); retrying may succeed`, "timeout", { cause: err });
  }
  if (typeof e.status === "number") return httpError(err, e, e.status, ctx);
  if (err instanceof SyntaxError) {
    return new ModelCallError(
      `${ctx.who} sent a 2xx answer that is not valid JSON (${messageOf(err)}); retrying may succeed`,
      "malformed",
      { cause: err },
    );
  }
  if (name === "APIConnectionError" || isNetworkError(err)) {
    const detail = isObject(e.cause) ? messageOf(e.cause) : messageOf(err);
    return new ModelCallError(
      `could not reach ${ctx.who} at ${ctx.baseUrl}: ${detail}; check the network and ${ctx.baseUrlName}, retrying may succeed`,
      "network",
      { cause: err },
    );
  }
  return new ModelCallError(
    `unexpected failure reading the answer of ${ctx.who}: ${name}: ${messageOf(err)}; retrying may succeed`,
    "malformed",
    { cause: err },
  );
}

function httpError(err: unknown, e: Record<string, unknown>, status: number, ctx: SdkCallContext): ModelCallError {
  const body = isObject(e.error) ? e.error : {};
  // Anthropic nests {type, message} under `error`; OpenAI's SDK hands over the inner {message, type, code} itself.
  const inner = isObject(body.error) ? body.error : body;
  const reason = [inner.type, inner.code].find((v): v is string => typeof v === "string" && v !== "") ?? `HTTP_${status}`;
  const text = typeof inner.message === "string" && inner.message ? inner.message : messageOf(err);
  const retryAfterMs = retryAfter(e.headers);
  if (isOutOfCredits(status, reason, text)) {
    return new ModelCallError(
      `${ctx.who} answered HTTP ${status} ${reason}: ${text}; the account is out of credits, so no retry can succeed: add credits (or raise the spending limit) in the vendor's billing settings, then start the run again`,
      "out_of_credits",
      { status, reason, cause: err },
    );
  }
  return new ModelCallError(`${ctx.who} answered HTTP ${status} ${reason}: ${text}; ${hint(status, ctx)}`, "http", {
    status,
    reason,
    cause: err,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

/**
 * An answer saying the account cannot pay: OpenAI's 429 `insufficient_quota` (its "exceeded your current quota"),
 * a 402 Payment Required (Anthropic's documented `billing_error`, and OpenAI-compatible gateways'), and Anthropic's 400
 * `invalid_request_error` "Your credit balance is too low", which is how the Messages API answers an empty balance.
 */
export function isOutOfCredits(status: number, reason: string, message: string): boolean {
  if (status === 429) return reason === "insufficient_quota";
  if (status === 402) return true;
  return status === 400 && /credit balance is too low/i.test(message);
}

function hint(status: number, ctx: SdkCallContext): string {
  if (status === 400) return "check the step's parameters and prompts";
  if (status === 401 || status === 403) return `check ${ctx.keyName}: it must be valid and allowed to use this model`;
  if (status === 404) return `check the model name in the model table (LLM_MODEL_TABLE) and ${ctx.baseUrlName}`;
  if (status === 429) return "the rate limit or quota was hit: retry later or send fewer requests a minute";
  if (status === 529) return "the service is overloaded: retrying may succeed";
  return status >= 500 ? "a server-side problem: retrying may succeed" : "see the server's message";
}

/** `retry-after-ms` (milliseconds), else `retry-after` (seconds or an HTTP date), as both vendors send them. */
export function retryAfter(headers: unknown): number | undefined {
  const get = (name: string): string | null | undefined =>
    headers && typeof (headers as Headers).get === "function"
      ? (headers as Headers).get(name)
      : isObject(headers)
        ? (headers[name] as string | undefined)
        : undefined;
  const ms = Number(get("retry-after-ms"));
  if (get("retry-after-ms") && Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  const raw = get("retry-after");
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
