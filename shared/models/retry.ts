// Retry as a wrapper: exponential backoff with full jitter, a cap, an attempt budget and a deadline.
import { reasonText } from "./model-call-error";

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

/** The signal's reason when it is an Error (a deadline's), else an Error naming it. */
const abortError = (signal: AbortSignal | undefined): Error =>
  signal?.reason instanceof Error ? signal.reason : new Error(`aborted: ${reasonText(signal?.reason ?? "no reason given")}`);

export const realRetryEnv: RetryEnv = {
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      // The listener is removed when the wait ends: one run signal spans many waits, and kept listeners pile up.
      const onAbort = () => (clearTimeout(timer), reject(abortError(signal)));
      const timer = setTimeout(() => (signal?.removeEventListener("abort", onAbort), resolve()), ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
  random: Math.random,
  now: Date.now,
};

/**
 * Why retrying stopped. attempts: the attempt budget was spent. deadline: the next wait would end past the
 * deadline, or the run was aborted during a call. aborted: the run was aborted during a wait. quota: a 429 asked
 * for a wait longer than the time left before the deadline, so no retry could happen in time.
 */
export type RetryStop = "attempts" | "deadline" | "aborted" | "quota";

/** For a quota stop: when the server said to come back, and how much of the budget was left. */
export interface QuotaWait {
  retryAfterMs: number;
  /** Epoch ms: now + retryAfterMs. */
  resumeAt: number;
  leftMs: number;
}

export class RetryError extends Error {
  constructor(
    readonly lastError: unknown,
    readonly attempts: number,
    readonly errors: unknown[],
    readonly reason: RetryStop,
    readonly quota?: QuotaWait,
    /** The abort's reason, for a stop during a wait. */
    abortReason?: unknown,
  ) {
    super(`gave up after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${stopText(reason, quota, abortReason)}${messageOf(lastError)}`);
    this.name = "RetryError";
  }
}

function stopText(reason: RetryStop, quota: QuotaWait | undefined, abortReason: unknown): string {
  if (reason === "deadline") return "the deadline left no time to retry: ";
  if (reason === "aborted") return `the run was stopped while waiting to retry (${messageOf(abortReason ?? "aborted")}): `;
  if (reason === "quota" && quota)
    return `the server asked to wait ${Math.ceil(quota.retryAfterMs / 1000)} s, longer than the ${Math.floor(quota.leftMs / 1000)} s left before the deadline: `;
  return "";
}

function messageOf(value: unknown): string {
  return value instanceof Error ? value.message : String(value);
}

const isRetryable = (err: unknown): err is Retryable => typeof err === "object" && err !== null && (err as Retryable).isRetryable === true;

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
      // A rate limit that lifts only after the deadline is a quota spent for this run: waiting cannot help, and
      // more throttled attempts would only hold the task until its budget is gone.
      const now = env.now();
      if (
        err.isThrottle === true &&
        err.retryAfterMs !== undefined &&
        policy.deadlineAt !== undefined &&
        now + err.retryAfterMs >= policy.deadlineAt
      ) {
        throw new RetryError(err, attempt, errors, "quota", {
          retryAfterMs: err.retryAfterMs,
          resumeAt: now + err.retryAfterMs,
          leftMs: policy.deadlineAt - now,
        });
      }
      const throttle = err.isThrottle === true && throttled < (policy.maxThrottledAttempts ?? 0);
      if (throttle) throttled++;
      if (!throttle && attempt - throttled >= policy.maxAttempts) throw new RetryError(err, attempt, errors, "attempts");
      const delay = backoffDelay(err, policy, env.random(), throttle, throttle ? throttled : attempt - throttled);
      if (policy.deadlineAt !== undefined && env.now() + delay >= policy.deadlineAt) {
        throw new RetryError(err, attempt, errors, "deadline");
      }
      try {
        await env.sleep(delay, signal);
      } catch (waitError) {
        // The run's signal ended the wait: that is the deadline or a shutdown, not a failure of the code.
        if (signal?.aborted) throw new RetryError(err, attempt, errors, "aborted", undefined, signal.reason);
        throw waitError;
      }
    }
  }
}

/** The wait before retry number `step` (counted apart for throttles and other failures), for a random draw in [0, 1). */
function backoffDelay(err: Retryable, policy: RetryPolicy, draw: number, throttle: boolean, step: number): number {
  // After a throttle the server's wait comes first and the jitter spreads the callers it released at once. Its
  // base is the smaller of baseDelayMs and a quarter of that wait (doubling on each further throttle): a 200 ms
  // spread after a 100 ms wait would leave the freed slot idle longer than the wait itself.
  const throttleBase = err.retryAfterMs !== undefined ? Math.min(policy.baseDelayMs, err.retryAfterMs / 4) : policy.baseDelayMs;
  const backoff = draw * Math.min(policy.maxDelayMs, (throttle ? throttleBase : policy.baseDelayMs) * 2 ** (step - 1));
  return throttle ? (err.retryAfterMs ?? 0) + backoff : Math.max(backoff, err.retryAfterMs ?? 0);
}
