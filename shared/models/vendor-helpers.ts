// What every vendor adapter needs alike when it reads an SDK's answer or error: one place, so that the providers agree.
import { ModelCallError, reasonText } from "./model-call-error";

/** A JSON object (not null, not an array), as an SDK's untyped answer or error body holds them. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Messages of a failed connection (Node's fetch, undici, the OS): retried as a network failure, whatever the SDK. */
export const NETWORK_PATTERN =
  /fetch failed|ECONNRESET|ECONNREFUSED|ECONNABORTED|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|socket hang up|other side closed|terminated|UND_ERR/i;

/** fetch failures, resets and hang-ups, looking through `cause` chains (undici puts the socket error there). */
export function isNetworkError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; isObject(e) && depth < 5; e = e.cause, depth++) {
    if (NETWORK_PATTERN.test(`${typeof e.message === "string" ? e.message : ""} ${typeof e.code === "string" ? e.code : ""}`)) return true;
  }
  return false;
}

/** An error's class name (its `name` for a plain Error), or the `name` field of a thrown object, or its type. */
export function nameOf(err: unknown): string {
  if (err instanceof Error) return err.constructor.name !== "Error" ? err.constructor.name : err.name;
  return isObject(err) && typeof err.name === "string" ? err.name : typeof err;
}

/** The same error with every occurrence of the API key replaced, in its message and its cause's. */
export function redactApiKey(err: ModelCallError, apiKey: string): ModelCallError {
  if (apiKey.length < 6) return err; // too short to tell apart from ordinary text; such keys are not real ones
  const cause: unknown = err.options.cause;
  const causeText = cause instanceof Error ? `${cause.message}\n${cause.stack ?? ""}` : cause === undefined ? "" : reasonText(cause);
  if (!err.message.includes(apiKey) && !causeText.includes(apiKey)) return err;
  const scrub = (text: string) => text.split(apiKey).join("[REDACTED]");
  const safeCause =
    cause instanceof Error
      ? Object.assign(new Error(scrub(cause.message)), { name: cause.name, stack: scrub(cause.stack ?? "") })
      : undefined;
  return new ModelCallError(scrub(err.message), err.kind, { ...err.options, cause: safeCause });
}
