// One model call under our own timeout and the caller's abort signal, as every provider adapter makes it.
//
// The timeout is ours, not an SDK's: @google/generative-ai never clears the timer of its `timeout` option (so every
// call would keep a CLI alive for the whole timeout), and the SDKs differ in what they do on expiry. We hand the SDK
// an AbortSignal instead and clear our timer when the call ends, whichever way it ends.
import { ModelCallError, reasonText } from "./model-call-error";

export const DEFAULT_MODEL_TIMEOUT_MS = 120_000;

/** How a failed call ended, for the adapter's error mapping. */
export interface CallEnding {
  /** Our per-call timer fired. */
  timedOut: boolean;
  /** The caller's signal aborted the call. */
  aborted: boolean;
  abortReason?: unknown;
}

/**
 * Runs `call` with a signal that aborts at `timeoutMs` (0 = never) or when `callerSignal` aborts. A rejection that
 * is not already a ModelCallError goes through `mapError` with how the call ended.
 */
export async function withCallTimeout<T>(
  callerSignal: AbortSignal | undefined,
  timeoutMs: number,
  call: (signal: AbortSignal) => Promise<T>,
  mapError: (err: unknown, ending: CallEnding) => ModelCallError,
): Promise<T> {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort();
  const timer =
    timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          controller.abort();
        }, timeoutMs)
      : undefined;
  timer?.unref();
  callerSignal?.addEventListener("abort", onAbort, { once: true });
  try {
    if (callerSignal?.aborted) throw callerSignal.reason;
    return await call(controller.signal);
  } catch (err) {
    if (err instanceof ModelCallError) throw err;
    const aborted = !timedOut && callerSignal?.aborted === true;
    throw mapError(err, { timedOut, aborted, ...(aborted ? { abortReason: callerSignal?.reason } : {}) });
  } finally {
    clearTimeout(timer);
    callerSignal?.removeEventListener("abort", onAbort);
  }
}

/** The message for a call that ended on our timer or the caller's signal; undefined when it ended otherwise. */
export function endingError(who: string, ending: CallEnding, timeoutMs: number, cause: unknown): ModelCallError | undefined {
  if (ending.timedOut)
    return new ModelCallError(`no answer from ${who} within ${timeoutMs} ms; retrying may succeed, or raise the timeout`, "timeout", {
      cause,
    });
  if (ending.aborted) {
    const reason = reasonText(ending.abortReason ?? "aborted");
    return new ModelCallError(`the call to ${who} was aborted by the caller (${reason})`, "timeout", { cause });
  }
  return undefined;
}

/** One SDK import per process, loaded on first use (so a cold start loads none); a failed import is tried again later. */
export function lazyImport<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load().catch((err: unknown) => {
      loading = undefined;
      throw err;
    });
    return loading;
  };
}
