// Retry as a wrapper: exponential backoff with full jitter, a cap, an attempt budget and a deadline.

export interface RetryPolicy {
  /** Total attempts, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Epoch ms after which no new attempt starts and no wait is begun that would end past it. */
  deadlineAt?: number;
}

/** Like the original (5 retries from 0.2 s, doubling) but only for errors that can succeed, with jitter. */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 200, maxDelayMs: 20_000 };

export interface Retryable {
  readonly isRetryable: boolean;
  readonly retryAfterMs?: number | undefined;
}

export interface RetryEnv {
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  now: () => number;
}

export const realRetryEnv: RetryEnv = {
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      // The listener is removed when the wait ends: one run signal spans many waits, and kept listeners pile up.
      const onAbort = () => (clearTimeout(timer), reject(signal?.reason));
      const timer = setTimeout(() => (signal?.removeEventListener("abort", onAbort), resolve()), ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
  random: Math.random,
  now: Date.now,
};

export class RetryError extends Error {
  constructor(
    readonly lastError: unknown,
    readonly attempts: number,
    readonly errors: unknown[],
    readonly reason: "attempts" | "deadline",
  ) {
    const last = lastError instanceof Error ? lastError.message : String(lastError);
    super(
      reason === "attempts"
        ? `gave up after ${attempts} attempts: ${last}`
        : `gave up after ${attempts} attempt${attempts === 1 ? "" : "s"}: the deadline left no time to retry: ${last}`,
    );
    this.name = "RetryError";
  }
}

const isRetryable = (err: unknown): err is Retryable =>
  typeof err === "object" && err !== null && (err as Retryable).isRetryable === true;

/**
 * Runs `call` until it succeeds. A non-retryable error is rethrown unchanged at once; running out of
 * attempts or time throws a RetryError holding every attempt's error. `call` is told its attempt number.
 */
export async function withRetry<T>(
  call: (attempt: number) => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY,
  env: RetryEnv = realRetryEnv,
  signal?: AbortSignal,
): Promise<{ value: T; attempts: number }> {
  const errors: unknown[] = [];
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await call(attempt), attempts: attempt };
    } catch (err) {
      // An aborted run (deadline, shutdown) ends here whatever the error says about retrying.
      if (signal?.aborted) throw new RetryError(err, attempt, [...errors, err], "deadline");
      if (!isRetryable(err)) throw err;
      errors.push(err);
      if (attempt >= policy.maxAttempts) throw new RetryError(err, attempt, errors, "attempts");
      const backoff = env.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delay = Math.max(backoff, err.retryAfterMs ?? 0);
      if (policy.deadlineAt !== undefined && env.now() + delay >= policy.deadlineAt) {
        throw new RetryError(err, attempt, errors, "deadline");
      }
      await env.sleep(delay, signal);
    }
  }
}
