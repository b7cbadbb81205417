// Pure conversions for Gemini's Batch Mode (@google/genai `batches`): our requests as inline requests or JSONL lines,
// a job's state in our words, each result (an inline response, or a line of the responses file) by its key, and the
// errors of the batch calls themselves. Answers and per-request errors go through the very functions a direct call's
// go through (map-gemini-response.ts), so a batch answer and a direct answer map alike.
import type { GenerateContentConfig, InlinedRequest } from "@google/genai";
import { endingError, type CallEnding } from "../../models/call-timeout";
import type { BatchItemResult, VendorJobStatus } from "../../models/batch-provider";
import { ModelCallError } from "../../models/model-call-error";
import { isNetworkError, isObject, nameOf } from "../../models/vendor-helpers";
import type { GeminiRequestBody } from "./gemini-request";
import { geminiHttpError, mapGeminiResponse } from "./map-gemini-response";

/** What a request's key may be (the pipeline's response-store keys), so one key always names one result. */
export const BATCH_KEY_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** One line of a job's input file, as Gemini's guide writes it: {"key", "request": GenerateContentRequest}. */
export function toJsonlLine(key: string, body: GeminiRequestBody): string {
  return JSON.stringify({ key, request: body });
}

/**
 * The SDK's InlinedRequest for a body: the SDK turns `config` back into the request's generationConfig and
 * systemInstruction, and sends `metadata` beside it, which the job's response carries back.
 */
export function toInlinedRequest(key: string, body: GeminiRequestBody): InlinedRequest {
  const { generationConfig, systemInstruction, contents } = body;
  // Our generationConfig holds only fields the SDK's GenerateContentConfig names (GEMINI_FIELDS, thinkingConfig).
  const config = { ...generationConfig, ...(systemInstruction ? { systemInstruction } : {}) } as GenerateContentConfig;
  return { contents, metadata: { key }, config };
}

const PENDING_STATES = new Set(["JOB_STATE_UNSPECIFIED", "JOB_STATE_QUEUED", "JOB_STATE_PENDING"]);
const RUNNING_STATES = new Set(["JOB_STATE_RUNNING", "JOB_STATE_CANCELLING", "JOB_STATE_UPDATING", "JOB_STATE_PAUSED"]);
const ENDED_STATES = new Set([
  "JOB_STATE_SUCCEEDED",
  "JOB_STATE_PARTIALLY_SUCCEEDED",
  "JOB_STATE_FAILED",
  "JOB_STATE_CANCELLED",
  "JOB_STATE_EXPIRED",
]);

/** Why a request of a job that ended this way has no result. */
const NOT_RUN_REASONS: Record<string, string> = {
  JOB_STATE_EXPIRED: "the Gemini batch job expired (pending or running over 48 hours) before this request ran",
  JOB_STATE_CANCELLED: "the Gemini batch job was cancelled before this request ran",
  JOB_STATE_FAILED: "the Gemini batch job failed as a whole before this request ran",
};

/**
 * A job's state (the SDK's JOB_STATE_*, which it maps Gemini's BATCH_STATE_* to) in our words. An ended job without
 * output, or one that failed or expired (Gemini gives those no results), has `noResults`: its requests must be sent
 * again. A state this code does not know is taken as still running, so a job is never read before it ends.
 */
export function mapGeminiJobStatus(state: string | undefined, hasOutput: boolean): VendorJobStatus {
  const vendorState = state ?? "JOB_STATE_UNSPECIFIED";
  if (PENDING_STATES.has(vendorState)) return { state: "pending", vendorState };
  if (!ENDED_STATES.has(vendorState)) {
    return RUNNING_STATES.has(vendorState)
      ? { state: "running", vendorState }
      : { state: "running", vendorState, message: `Gemini reported the batch state ${vendorState}, unknown here: taken as running` };
  }
  const noResults = !hasOutput || vendorState === "JOB_STATE_FAILED" || vendorState === "JOB_STATE_EXPIRED";
  if (!noResults) return { state: "ended", vendorState };
  const why = NOT_RUN_REASONS[vendorState]?.replace(" before this request ran", "") ?? `the Gemini batch job ended ${vendorState}`;
  return { state: "ended", vendorState, noResults, message: `${why} and has no results: submit its requests again` };
}

/** gRPC's canonical codes (a google.rpc.Status's `code`) as the HTTP statuses Google's HTTP APIs answer them with. */
const GRPC_TO_HTTP: Record<number, number> = {
  1: 499,
  2: 500,
  3: 400,
  4: 504,
  5: 404,
  6: 409,
  7: 403,
  8: 429,
  9: 400,
  10: 409,
  11: 400,
  12: 501,
  13: 500,
  14: 503,
  15: 500,
  16: 401,
};
const NAME_TO_HTTP: Record<string, number> = {
  CANCELLED: 499,
  UNKNOWN: 500,
  INVALID_ARGUMENT: 400,
  DEADLINE_EXCEEDED: 504,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  PERMISSION_DENIED: 403,
  RESOURCE_EXHAUSTED: 429,
  FAILED_PRECONDITION: 400,
  ABORTED: 409,
  OUT_OF_RANGE: 400,
  UNIMPLEMENTED: 501,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  DATA_LOSS: 500,
  UNAUTHENTICATED: 401,
};

/**
 * The HTTP status of a per-request error: a google.rpc.Status carries a gRPC code (8 for RESOURCE_EXHAUSTED), an HTTP
 * error body an HTTP one (429) and the status name; either is read, an unknown one as 500 (a server-side failure).
 */
export function httpStatusOf(error: Record<string, unknown>): number {
  const { code, status } = error;
  if (typeof code === "number" && code >= 100) return code;
  if (typeof status === "string" && NAME_TO_HTTP[status] !== undefined) return NAME_TO_HTTP[status];
  return (typeof code === "number" ? GRPC_TO_HTTP[code] : undefined) ?? 500;
}

/** One result of an ended job, as read: its key (undefined when the vendor left it out), and its response or error. */
export type GeminiBatchItem = { key: string | undefined; response?: unknown; error?: unknown } | { unreadable: string };

/** A result for `key`: its answer mapped as a direct call's, or its error mapped as a direct call's error status. */
export function mapGeminiBatchItem(key: string, item: { response?: unknown; error?: unknown }, model: string): BatchItemResult {
  const who = `Gemini model "${model}"`;
  if (isObject(item.error)) {
    const { message, details } = item.error;
    const error = { status: httpStatusOf(item.error), message: typeof message === "string" ? message : "", details };
    return { key, kind: "failed", error: geminiHttpError(who, error, item.error) };
  }
  if (item.response === undefined) {
    const error = new ModelCallError(`${who} gave a batch result with neither a response nor an error; retrying may succeed`, "malformed");
    return { key, kind: "failed", error };
  }
  try {
    return { key, kind: "answered", result: mapGeminiResponse(item.response, model) };
  } catch (err) {
    if (err instanceof ModelCallError) return { key, kind: "failed", error: err };
    throw err;
  }
}

/** A line of a job's responses file: {"key", "response"} or {"key", "error"} (a google.rpc.Status; `status` read too). */
export function parseResultLine(line: string, lineNumber: number): GeminiBatchItem {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (err) {
    return { unreadable: `line ${lineNumber} is not JSON (${(err as Error).message})` };
  }
  if (!isObject(parsed)) return { unreadable: `line ${lineNumber} is not a JSON object` };
  const error = isObject(parsed.error) ? parsed.error : isObject(parsed.status) ? parsed.status : undefined;
  return {
    key: typeof parsed.key === "string" ? parsed.key : undefined,
    ...(parsed.response !== undefined ? { response: parsed.response } : {}),
    ...(error ? { error } : {}),
  };
}

export interface KeyedResultsContext {
  model: string;
  /** The job's state as the SDK names it, for the reason of a request without a result. */
  vendorState: string;
  submittedKeys?: readonly string[] | undefined;
}

/**
 * Each result by its key, never by its position: the first result of a key counts (a repeated one is dropped), a
 * result without a key cannot be matched and is only counted, one whose key was not submitted is left out; then each
 * submitted key without a result as not_run, saying why.
 */
export async function* keyedResults(
  items: Iterable<GeminiBatchItem> | AsyncIterable<GeminiBatchItem>,
  ctx: KeyedResultsContext,
): AsyncGenerator<BatchItemResult> {
  const submitted = ctx.submittedKeys ? new Set(ctx.submittedKeys) : undefined;
  const seen = new Set<string>();
  const unmatched: string[] = [];
  for await (const item of items) {
    if ("unreadable" in item) unmatched.push(item.unreadable);
    else if (item.key === undefined) unmatched.push("a result without its metadata key");
    else if (!seen.has(item.key) && (!submitted || submitted.has(item.key))) {
      seen.add(item.key);
      yield mapGeminiBatchItem(item.key, item, ctx.model);
    }
  }
  if (!submitted) return;
  const unmatchedNote = unmatched.length
    ? ` (${unmatched.length} result(s) could not be matched to a key: ${unmatched.slice(0, 3).join("; ")})`
    : "";
  const reason =
    NOT_RUN_REASONS[ctx.vendorState] ?? `the Gemini batch job ended ${ctx.vendorState} without a result for this request${unmatchedNote}`;
  for (const key of submitted) if (!seen.has(key)) yield { key, kind: "not_run", reason };
}

export interface GeminiBatchCallContext extends CallEnding {
  /** What the call did, for messages: `create a batch job of model "x"`. */
  what: string;
  baseUrl: string;
  timeoutMs: number;
}

/** What @google/genai threw on a batch call (its ApiError's message is Google's error body as JSON), as a ModelCallError. */
export function mapGeminiBatchCallError(err: unknown, ctx: GeminiBatchCallContext): ModelCallError {
  const who = `the Gemini Batch API (${ctx.what})`;
  const ended = endingError(who, ctx, ctx.timeoutMs, err);
  if (ended) return ended;
  const message = err instanceof Error ? err.message : String(err);
  if (isObject(err) && typeof err.status === "number") {
    const body = errorBody(message);
    const text = typeof body.message === "string" ? body.message : message;
    return geminiHttpError(who, { status: err.status, message: text, details: body.details }, err);
  }
  if (isNetworkError(err)) {
    return new ModelCallError(
      `could not reach ${who} at ${ctx.baseUrl}: ${message}; check the network and GEMINI_BASE_URL, retrying may succeed`,
      "network",
      { cause: err },
    );
  }
  if (err instanceof SyntaxError)
    return new ModelCallError(`${who} sent a 2xx answer that is not valid JSON (${message}); retrying may succeed`, "malformed", {
      cause: err,
    });
  return new ModelCallError(`unexpected failure of ${who}: ${nameOf(err)}: ${message}; retrying may succeed`, "malformed", { cause: err });
}

/** The `error` object of Google's error body, when the message is that body. */
function errorBody(message: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(message);
    return isObject(parsed) && isObject(parsed.error) ? parsed.error : {};
  } catch {
    return {};
  }
}
