// Turns whatever a step threw into a RunError a user can act on.
import { FunctionCallError } from "../builtins/builtin-function";
import { ModelCallError } from "../models/model-call-error";
import { RetryError, type QuotaWait } from "../models/retry";
import type { ErrorCode, RunError, WaitingCall } from "./run-record";

/** A failure the engine itself decided on (strict interpolation, a bad parameter at run time...). */
export class StepFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly path?: string,
  ) {
    super(message);
    this.name = "StepFailure";
  }
}

/** Provider batch mode: the step's answer is not stored yet; the run ends `waiting` for this call (not a failure). */
export class StepWaiting extends Error {
  constructor(readonly call: WaitingCall) {
    super(`waiting for the answer to ${call.key}`);
    this.name = "StepWaiting";
  }
}

export function toRunError(err: unknown, where: { step_id?: string; path?: string; attempts: number }): RunError {
  const cause = err instanceof RetryError ? err.lastError : err;
  const base = { step_id: where.step_id, path: where.path, attempts: where.attempts };
  if (err instanceof StepFailure) return { ...base, code: err.code, message: err.message, path: err.path ?? where.path, retryable: false };
  const status = cause instanceof ModelCallError && cause.status !== undefined ? { status: cause.status } : {};
  if (err instanceof RetryError && err.reason === "quota" && err.quota) {
    return { ...base, code: "quota_exhausted", message: quotaMessage(err.quota, cause), ...status, retryable: false };
  }
  // Running out of time (or being stopped) is the same failure whatever the last attempt said.
  if (err instanceof RetryError && (err.reason === "deadline" || err.reason === "aborted")) {
    return { ...base, code: "deadline_exceeded", message: err.message, ...status, retryable: isRetryable(cause) };
  }
  if (cause instanceof ModelCallError && cause.kind === "out_of_credits") {
    return { ...base, code: "quota_exhausted", message: cause.message, ...status, retryable: false };
  }
  if (cause instanceof ModelCallError && cause.kind === "config") {
    return { ...base, code: "config_error", message: cause.message, retryable: false };
  }
  if (cause instanceof ModelCallError) {
    const blocked = cause.kind === "blocked" || cause.kind === "empty";
    const message = err instanceof RetryError ? err.message : cause.message;
    return { ...base, code: blocked ? "model_blocked" : "model_error", message, ...status, retryable: cause.isRetryable };
  }
  if (cause instanceof FunctionCallError) {
    const message = err instanceof RetryError ? err.message : cause.message;
    return { ...base, code: "function_error", message, retryable: cause.isRetryable };
  }
  const message = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  return { ...base, code: "internal", message: `unexpected error: ${message}`, retryable: false };
}

function isRetryable(cause: unknown): boolean {
  return cause instanceof ModelCallError || cause instanceof FunctionCallError ? cause.isRetryable : false;
}

/** Says until when, why waiting was pointless, and what the user can change; the server's own answer last. */
function quotaMessage(quota: QuotaWait, cause: unknown): string {
  const until = new Date(quota.resumeAt).toISOString().replace(/\.\d+Z$/, "Z");
  const answer = cause instanceof Error ? `; the last answer: ${cause.message}` : "";
  return (
    `the model's quota is exhausted until about ${until} (the server asked to wait ${formatDuration(quota.retryAfterMs)}, ` +
    `longer than the ${formatDuration(quota.leftMs)} left of the run's budget), so the step failed without waiting; ` +
    `lower the batch rate (fewer jobs or tasks a minute) or raise the quota${answer}`
  );
}

/** 45 s, 2 min 5 s, 1 h 3 min: precise enough to act on. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min${seconds % 60 ? ` ${seconds % 60} s` : ""}`;
  const minutes = Math.floor((seconds % 3600) / 60);
  return `${Math.floor(seconds / 3600)} h${minutes ? ` ${minutes} min` : ""}`;
}
