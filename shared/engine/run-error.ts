// Turns whatever a step threw into a RunError a user can act on.
import { FunctionCallError } from "../builtins/builtin-function";
import { ModelCallError } from "../models/model-call-error";
import { RetryError } from "../models/retry";
import type { ErrorCode, RunError } from "./run-record";

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

export function toRunError(err: unknown, where: { step_id?: string; path?: string; attempts: number }): RunError {
  const cause = err instanceof RetryError ? err.lastError : err;
  const base = { step_id: where.step_id, path: where.path, attempts: where.attempts };
  if (err instanceof StepFailure) return { ...base, code: err.code, message: err.message, path: err.path ?? where.path, retryable: false };
  if (cause instanceof ModelCallError) {
    const blocked = cause.kind === "blocked" || cause.kind === "empty";
    const code: ErrorCode = err instanceof RetryError && err.reason === "deadline" ? "deadline_exceeded" : blocked ? "model_blocked" : "model_error";
    const message = err instanceof RetryError ? err.message : cause.message;
    return { ...base, code, message, status: cause.status, retryable: cause.isRetryable };
  }
  if (cause instanceof FunctionCallError) {
    const message = err instanceof RetryError ? err.message : cause.message;
    return { ...base, code: "function_error", message, retryable: cause.isRetryable };
  }
  const message = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  return { ...base, code: "internal", message: `unexpected error: ${message}`, retryable: false };
}
