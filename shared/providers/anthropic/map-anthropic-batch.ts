// Pure conversions of what Anthropic's Message Batches API answers: a batch's processing status to our job state, and
// each result line to a BatchItemResult mapped exactly as a synchronous call's answer or error is (mapAnthropicMessage,
// mapSdkError), so that a batch answer and a direct answer come out the same.
import type { BatchItemResult, VendorJobStatus } from "../../models/batch-provider";
import { mapSdkError, type SdkCallContext } from "../../models/map-sdk-error";
import { ModelCallError } from "../../models/model-call-error";
import { isObject } from "../../models/vendor-helpers";
import { mapAnthropicMessage } from "./map-anthropic-response";

/**
 * The HTTP status a direct call answers with each error type (Anthropic's error list). A batch's errored result carries
 * the type only; the status decides the kind and retryability as it would for a direct call.
 */
export const ANTHROPIC_ERROR_STATUS: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/** What the error mapping names besides who was called: the endpoint and the settings a user can change. */
export type BatchErrorContext = Omit<SdkCallContext, "who" | "timedOut" | "aborted" | "abortReason">;

/** A request's total in request_counts: while the batch runs every request is `processing`, after it the sum is the same. */
export function batchRequestTotal(counts: unknown): number {
  if (!isObject(counts)) return 0;
  return ["processing", "succeeded", "errored", "canceled", "expired"].reduce(
    (sum, name) => sum + (typeof counts[name] === "number" ? counts[name] : 0),
    0,
  );
}

/**
 * A MessageBatch's state. Claude starts a batch as soon as it is created and names no queued state, so `in_progress` is
 * running; `canceling` runs until it ends. An ended batch always has results (every request succeeded, errored, was
 * canceled or expired), unless they were archived (29 days after creation).
 */
export function mapAnthropicBatchStatus(batch: unknown): VendorJobStatus {
  const b = isObject(batch) ? batch : {};
  const id = typeof b.id === "string" ? b.id : "(no id)";
  switch (b.processing_status) {
    case "in_progress":
    case "canceling":
      return { state: "running", vendorState: b.processing_status };
    case "ended": {
      const counts = isObject(b.request_counts) ? b.request_counts : {};
      const tally = ["succeeded", "errored", "canceled", "expired"]
        .map((name) => `${name} ${typeof counts[name] === "number" ? counts[name] : 0}`)
        .join(", ");
      if (typeof b.results_url === "string" && b.results_url) return { state: "ended", vendorState: "ended", message: tally };
      return {
        state: "ended",
        vendorState: "ended",
        noResults: true,
        message: `Message Batch ${id} ended (${tally}) but has no results_url${typeof b.archived_at === "string" ? ` (archived at ${b.archived_at})` : ""}: send its requests again`,
      };
    }
    default:
      throw new ModelCallError(
        `Claude's Message Batches API answered batch ${id} with an unknown processing_status ${JSON.stringify(b.processing_status)}; retrying may succeed`,
        "malformed",
      );
  }
}

/** One line of a batch's results, by its custom_id (never its position). A line without one is a malformed answer. */
export function mapAnthropicBatchLine(line: unknown, jobId: string, ctx: BatchErrorContext): BatchItemResult {
  const key = isObject(line) && typeof line.custom_id === "string" ? line.custom_id : undefined;
  const result = isObject(line) && isObject(line.result) ? line.result : undefined;
  if (key === undefined || result === undefined) {
    throw new ModelCallError(
      `Claude's Message Batches API sent a result line of batch ${jobId} without custom_id or result (${JSON.stringify(line).slice(0, 200)}); retrying may succeed`,
      "malformed",
    );
  }
  switch (result.type) {
    case "succeeded":
      return succeeded(key, result.message);
    case "errored":
      return { key, kind: "failed", error: mapErroredResult(result.error, `Claude (Message Batch ${jobId}, request ${key})`, ctx) };
    case "canceled":
      return { key, kind: "not_run", reason: `Message Batch ${jobId} was canceled before this request ran` };
    case "expired":
      return { key, kind: "not_run", reason: `Message Batch ${jobId} expired (24 h) before this request ran` };
    default: {
      const error = new ModelCallError(
        `Claude's Message Batches API sent request ${key} of batch ${jobId} an unknown result type ${JSON.stringify(result.type)}; retrying may succeed`,
        "malformed",
      );
      return { key, kind: "failed", error };
    }
  }
}

/** A succeeded result: its message as a direct answer is mapped (a refusal is blocked, no text is empty). */
function succeeded(key: string, message: unknown): BatchItemResult {
  const model = isObject(message) && typeof message.model === "string" ? message.model : "(unknown)";
  try {
    return { key, kind: "answered", result: mapAnthropicMessage(message, model) };
  } catch (err) {
    if (err instanceof ModelCallError) return { key, kind: "failed", error: err };
    throw err;
  }
}

/**
 * An errored result's ErrorResponse ({type:"error", error:{type, message}, request_id}) as the SDK's APIError of a direct
 * call with the type's status would be mapped. An unknown type is not retried: nothing says it can succeed.
 */
export function mapErroredResult(errorResponse: unknown, who: string, ctx: BatchErrorContext): ModelCallError {
  const inner = isObject(errorResponse) && isObject(errorResponse.error) ? errorResponse.error : {};
  const type = typeof inner.type === "string" ? inner.type : "";
  const status = ANTHROPIC_ERROR_STATUS[type];
  if (status === undefined) {
    const text = typeof inner.message === "string" ? inner.message : JSON.stringify(errorResponse).slice(0, 200);
    return new ModelCallError(
      `${who} answered an error of unknown type ${JSON.stringify(type)}: ${text}; not resent, since nothing says a retry can succeed`,
      "http",
      { reason: type || "unknown_error" },
    );
  }
  return mapSdkError({ status, error: errorResponse, headers: undefined }, { ...ctx, who, timedOut: false, aborted: false });
}
