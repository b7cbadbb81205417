// Retry as a wrapper: exponential backoff with full jitter, a cap, an attempt budget and a deadline.

export interface RetryPolicy {
  /** Total attempts, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * Throttling answers (429) allowed on top of maxAttempts. Being told to wait is not a failure of the call:
   * under a rate limit the limit sets the pace, and only this budget and the deadline end the waiting.
   */
  maxThrottledAttempts?: number;
  /** Epoch ms after which no new attempt starts and no wait is begun that would end past it. */
  deadlineAt?: number;
}

/** Like the original (5 retries from 0.2 s, doubling) but only for errors that can succeed, with jitter. */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 200, maxDelayMs: 20_000, maxThrottledAttempts: 50 };

export interface Retryable {
  readonly isRetryable: boolean;
  readonly retryAfterMs?: number | undefined;
  /** A rate limit said "not now" (HTTP 429): retried on its own budget, after the wait it asked for. */
  readonly isThrottle?: boolean;
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
  let throttled = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await call(attempt), attempts: attempt };
    } catch (err) {
      // An aborted run (deadline, shutdown) ends here whatever the error says about retrying.
      if (signal?.aborted) throw new RetryError(err, attempt, [...errors, err], "deadline");
      if (!isRetryable(err)) throw err;
      errors.push(err);
      const throttle = err.isThrottle === true && throttled < (policy.maxThrottledAttempts ?? 0);
      if (throttle) throttled++;
      if (!throttle && attempt - throttled >= policy.maxAttempts) throw new RetryError(err, attempt, errors, "attempts");
      const step = throttle ? throttled : attempt - throttled;
      // After a throttle the server's wait comes first and the jitter spreads the callers it released at once. Its
      // base is the smaller of baseDelayMs and a quarter of that wait (doubling on each further throttle): a 200 ms
      // spread after a 100 ms wait would leave the freed slot idle longer than the wait itself.
      const throttleBase = err.retryAfterMs !== undefined ? Math.min(policy.baseDelayMs, err.retryAfterMs / 4) : policy.baseDelayMs;
      const backoff = env.random() * Math.min(policy.maxDelayMs, (throttle ? throttleBase : policy.baseDelayMs) * 2 ** (step - 1));
      const delay = throttle ? (err.retryAfterMs ?? 0) + backoff : Math.max(backoff, err.retryAfterMs ?? 0);
      if (policy.deadlineAt !== undefined && env.now() + delay >= policy.deadlineAt) {
        throw new RetryError(err, attempt, errors, "deadline");
      }
      await env.sleep(delay, signal);
    }
  }
}
