// Pure conversions between our batch requests and results and OpenAI's Batch API (files of JSONL lines, /v1/batches):
// the input line of a request (the very Chat Completions body a direct call sends), a batch's status in our words, and
// each result line as a direct call's answer or error would map.
import type { BatchItemResult, BatchRequest, VendorJobStatus } from "../../models/batch-provider";
import { ModelCallError } from "../../models/model-call-error";
import { isObject } from "../../models/vendor-helpers";
import { mapChatCompletion } from "./map-openai-response";
import { toChatCompletionRequest } from "./openai-request";

/** The endpoint every line of our batch files calls (the one our synchronous adapter calls). */
export const OPENAI_BATCH_ENDPOINT = "/v1/chat/completions";
/** The metadata key carrying our display name (OpenAI batches have no name of their own), for find(). */
export const DISPLAY_NAME_KEY = "display_name";
/** The metadata key carrying the model, so results() can name it in messages as a direct call does. */
export const MODEL_KEY = "model";
/** Per-request errors in the error file that mean "never run" (the job expired or was cancelled first): resubmit. */
const NOT_RUN_CODES = new Set(["batch_expired", "batch_cancelled"]);

/** One line of a batch input file (without its newline). */
export function toBatchInputLine(item: BatchRequest): string {
  return JSON.stringify({ custom_id: item.key, method: "POST", url: OPENAI_BATCH_ENDPOINT, body: toChatCompletionRequest(item.request) });
}

/** `line N: code: message` for each of a batch's errors (a failed validation, a refused job). */
export function batchErrorLines(batch: unknown): { line?: number; code: string; text: string }[] {
  const data: unknown = isObject(batch) && isObject(batch.errors) ? batch.errors.data : undefined;
  if (!Array.isArray(data)) return [];
  return data.filter(isObject).map((error) => {
    const code = typeof error.code === "string" ? error.code : "error";
    const message = typeof error.message === "string" ? error.message : "";
    const line = typeof error.line === "number" ? error.line : undefined;
    return { ...(line !== undefined ? { line } : {}), code, text: `${line !== undefined ? `line ${line}: ` : ""}${code}: ${message}` };
  });
}

/**
 * A batch's status: validating is pending; in_progress, finalizing and cancelling are running (an unknown status too,
 * so that a new vendor state is waited on, never taken for an end); completed, expired, cancelled and failed are
 * ended. A failed job has no results unless its errors name input lines: then results() fails those lines and gives
 * the others back as not run.
 */
export function mapOpenAiBatchStatus(batch: unknown): VendorJobStatus {
  const vendorState = isObject(batch) && typeof batch.status === "string" ? batch.status : "unknown";
  switch (vendorState) {
    case "validating":
      return { state: "pending", vendorState };
    case "completed":
    case "cancelled":
      return { state: "ended", vendorState };
    case "expired":
      return {
        state: "ended",
        vendorState,
        message: "the job's 24h completion window passed: the requests it ran are answered, the others come back not run",
      };
    case "failed": {
      const errors = batchErrorLines(batch);
      const message = errors.length ? errors.map((error) => error.text).join("; ") : "the vendor gave no reason";
      return { state: "ended", vendorState, message: `the job failed: ${message}`, noResults: !errors.some((e) => e.line !== undefined) };
    }
    default:
      return { state: "running", vendorState };
  }
}

export interface ResultLineContext {
  model: string;
  /** The error a direct call answered `status` with `body` would throw, mapped (the adapter builds it with the SDK's own class). */
  httpError: (status: number, body: unknown) => ModelCallError;
}

/**
 * One line of a batch's output or error file: a 2xx response maps as a direct call's answer (a refusal, a filtered or
 * empty answer fail as they would), another status as a direct call's error with that status and body; an error
 * without a response is a request never run (batch_expired, batch_cancelled) or the vendor's refusal of it.
 */
export function mapBatchResultLine(line: unknown, ctx: ResultLineContext): BatchItemResult {
  if (!isObject(line) || typeof line.custom_id !== "string")
    throw new ModelCallError(`a result line of the batch has no custom_id: ${JSON.stringify(line).slice(0, 200)}`, "malformed");
  const key = line.custom_id;
  const response = line.response;
  if (isObject(response)) {
    const status = typeof response.status_code === "number" ? response.status_code : 0;
    if (status < 200 || status > 299) return { key, kind: "failed", error: ctx.httpError(status, response.body) };
    try {
      return { key, kind: "answered", result: mapChatCompletion(response.body, ctx.model) };
    } catch (err) {
      if (err instanceof ModelCallError) return { key, kind: "failed", error: err };
      throw err;
    }
  }
  const error = isObject(line.error) ? line.error : {};
  const code = typeof error.code === "string" ? error.code : "unknown_error";
  const message = typeof error.message === "string" ? error.message : "no message";
  if (NOT_RUN_CODES.has(code)) return { key, kind: "not_run", reason: `${code}: ${message}` };
  const who = `model "${ctx.model}" (OpenAI-compatible server)`;
  return {
    key,
    kind: "failed",
    error: new ModelCallError(`${who} did not run batch request ${key}: ${code}: ${message}`, "http", { reason: code }),
  };
}

/** The error of a request whose input line the vendor refused when it validated the job: fails as a direct call's 400. */
export function refusedLineError(model: string, key: string, why: string): ModelCallError {
  const who = `model "${model}" (OpenAI-compatible server)`;
  return new ModelCallError(`${who} refused batch request ${key} (${why}); check the step's parameters and prompts`, "http", {
    status: 400,
    reason: "invalid_batch_line",
  });
}

/** Why a request of an ended job has no result line, from how the job ended. */
export function missingResultReason(status: VendorJobStatus): string {
  switch (status.vendorState) {
    case "expired":
      return "batch_expired: the job's completion window passed before this request ran";
    case "cancelled":
      return "batch_cancelled: the job was cancelled before this request ran";
    case "failed":
      return status.message ?? "the job failed";
    default:
      return `the job ended ${status.vendorState} with no result for this request`;
  }
}
