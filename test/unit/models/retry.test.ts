// withRetry with a fake clock and fake sleep: what is retried, how long it waits, and when it gives up.
import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { ModelCallError } from "../../../shared/models/model-call-error";
import { realRetryEnv, RetryError, withRetry, type RetryEnv, type RetryPolicy } from "../../../shared/models/retry";

/** A clock that moves only when the code under test sleeps; records every sleep. */
function fakeEnv(random = () => 1, start = 1_000_000): RetryEnv & { sleeps: number[]; time: () => number } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    time: () => now,
    now: () => now,
    random,
    sleep: (ms, signal) =>
      new Promise((resolve) => {
        // Thrown in the executor, the signal's reason (whatever abort() was given) rejects the wait, as in realRetryEnv.
        signal?.throwIfAborted();
        sleeps.push(ms);
        now += ms;
        resolve();
      }),
  };
}

/** A call that fails with the given errors in turn, then answers "ok". */
function failing(...errors: Error[]): { call: (attempt: number) => Promise<string>; attempts: number[] } {
  const attempts: number[] = [];
  return {
    attempts,
    call: (attempt) => {
      attempts.push(attempt);
      const err = errors[attempt - 1];
      return err === undefined ? Promise.resolve("ok") : Promise.reject(err);
    },
  };
}

const unavailable = () => new ModelCallError("503", "http", { status: 503 });
const policy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 };

describe("withRetry", () => {
  it("returns the value and the attempt count", async () => {
    const env = fakeEnv();
    const { call } = failing(unavailable(), unavailable());
    expect(await withRetry(call, policy, env)).toEqual({ value: "ok", attempts: 3 });
  });

  it("rethrows a non-retryable first error at once, unchanged", async () => {
    const env = fakeEnv();
    const blocked = new ModelCallError("blocked", "blocked");
    const { call, attempts } = failing(blocked);
    await expect(withRetry(call, policy, env)).rejects.toBe(blocked);
    expect(attempts).toEqual([1]);
    expect(env.sleeps).toEqual([]);
  });

  it("rethrows a plain Error (no isRetryable) unchanged", async () => {
    const bug = new TypeError("bug");
    await expect(withRetry(failing(bug).call, policy, fakeEnv())).rejects.toBe(bug);
  });

  it("stops a run of retryable errors at a non-retryable one", async () => {
    const notFound = new ModelCallError("404", "http", { status: 404 });
    const { call, attempts } = failing(unavailable(), notFound);
    await expect(withRetry(call, policy, fakeEnv())).rejects.toBe(notFound);
    expect(attempts).toEqual([1, 2]);
  });

  it("spends exactly maxAttempts and then throws a RetryError holding every error", async () => {
    const errors = [unavailable(), unavailable(), unavailable(), unavailable(), unavailable()];
    const { call, attempts } = failing(...errors);
    const err = await withRetry(call, policy, fakeEnv()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryError);
    const retry = err as RetryError;
    expect(attempts).toEqual([1, 2, 3, 4]);
    expect([retry.attempts, retry.reason]).toEqual([4, "attempts"]);
    expect(retry.errors).toEqual(errors.slice(0, 4));
    expect(retry.lastError).toBe(errors[3]);
    expect(retry.message).toBe("gave up after 4 attempts: 503");
  });

  it("with random = 1 waits the full exponential backoff, capped at maxDelayMs", async () => {
    const env = fakeEnv(() => 1);
    const { call } = failing(...Array.from({ length: 6 }, unavailable));
    await withRetry(call, { maxAttempts: 7, baseDelayMs: 100, maxDelayMs: 1_000 }, env);
    expect(env.sleeps).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it("draws full jitter: each wait is random × the backoff, from 0 up to it", async () => {
    const draws = [0, 0.5, 0.25, 0.999];
    const env = fakeEnv(() => draws.shift() ?? 0);
    const { call } = failing(unavailable(), unavailable(), unavailable(), unavailable());
    await withRetry(call, { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 10_000 }, env);
    expect(env.sleeps).toEqual([0, 100, 100, 799.2]);
  });

  it("waits at least the server's retryAfterMs, even past the jittered backoff", async () => {
    const env = fakeEnv(() => 0.1);
    const limited = new ModelCallError("429", "http", { status: 429, retryAfterMs: 1_500 });
    await withRetry(failing(limited, unavailable()).call, policy, env);
    expect(env.sleeps).toEqual([1_500, 20]);
  });

  it("stops early, before a wait that would end past the deadline, with reason deadline", async () => {
    const env = fakeEnv(() => 1);
    const deadlineAt = env.time() + 250; // room for the 100 ms wait, not for the 200 ms one after it
    const { call, attempts } = failing(unavailable(), unavailable(), unavailable());
    const err = await withRetry(call, { ...policy, deadlineAt }, env).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryError);
    expect([(err as RetryError).reason, (err as RetryError).attempts]).toEqual(["deadline", 2]);
    expect((err as RetryError).errors).toHaveLength(2);
    expect((err as RetryError).message).toContain("the deadline left no time to retry");
    expect(attempts).toEqual([1, 2]);
    expect(env.sleeps).toEqual([100]);
  });

  it("does not wait for a 429's retryAfterMs that ends past the deadline: a quota stop, saying when and how much time was left", async () => {
    const env = fakeEnv(() => 0);
    const limited = new ModelCallError("429", "http", { status: 429, retryAfterMs: 60_000 });
    const err = await withRetry(failing(limited).call, { ...policy, deadlineAt: env.time() + 30_000 }, env).catch((e: unknown) => e);
    expect((err as RetryError).reason).toBe("quota");
    expect((err as RetryError).quota).toEqual({ retryAfterMs: 60_000, resumeAt: env.time() + 60_000, leftMs: 30_000 });
    expect((err as RetryError).message).toBe(
      "gave up after 1 attempt: the server asked to wait 60 s, longer than the 30 s left before the deadline: 429",
    );
    expect(env.sleeps).toEqual([]);
  });

  it("stops with reason deadline, not quota, when the server's wait fits but the jitter after it does not", async () => {
    const env = fakeEnv(() => 1);
    const limited = new ModelCallError("429", "http", { status: 429, retryAfterMs: 1_000 });
    const err = await withRetry(failing(limited).call, { ...policy, maxThrottledAttempts: 5, deadlineAt: env.time() + 1_050 }, env).catch(
      (e: unknown) => e,
    );
    expect((err as RetryError).reason).toBe("deadline");
  });

  it("a long retryAfterMs on a non-throttle error (503) is a deadline stop, not a quota one", async () => {
    const env = fakeEnv(() => 0);
    const busy = new ModelCallError("503", "http", { status: 503, retryAfterMs: 60_000 });
    const err = await withRetry(failing(busy).call, { ...policy, deadlineAt: env.time() + 30_000 }, env).catch((e: unknown) => e);
    expect((err as RetryError).reason).toBe("deadline");
  });

  it("stops when the signal aborts during a wait, with the signal's reason", async () => {
    const controller = new AbortController();
    const env = fakeEnv();
    env.sleep = () => {
      const shutdown = new Error("shutdown");
      controller.abort(shutdown);
      return Promise.reject(shutdown);
    };
    const { call, attempts } = failing(unavailable(), unavailable());
    const err = await withRetry(call, policy, env, controller.signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryError);
    expect((err as RetryError).reason).toBe("aborted");
    expect((err as RetryError).message).toBe("gave up after 1 attempt: the run was stopped while waiting to retry (shutdown): 503");
    expect(attempts).toEqual([1]);
  });

  it("rethrows a failure of the wait itself when the signal did not abort", async () => {
    const env = fakeEnv();
    const broken = new Error("timer broke");
    env.sleep = () => Promise.reject(broken);
    await expect(withRetry(failing(unavailable()).call, policy, env, new AbortController().signal)).rejects.toBe(broken);
  });
});

describe("withRetry under a rate limit (429)", () => {
  const throttled = (retryAfterMs = 1_000) => new ModelCallError("429", "http", { status: 429, retryAfterMs });
  const withThrottles: RetryPolicy = { ...policy, maxThrottledAttempts: 10 };

  it("does not spend the attempt budget on throttling: 8 throttles then an answer succeeds with maxAttempts 4", async () => {
    const run = failing(...Array.from({ length: 8 }, () => throttled()));
    const result = await withRetry(run.call, withThrottles, fakeEnv());
    expect(result).toEqual({ value: "ok", attempts: 9 });
  });

  it("still ends a run of throttles when their own budget is spent", async () => {
    const run = failing(...Array.from({ length: 20 }, () => throttled()));
    const err = await withRetry(run.call, withThrottles, fakeEnv()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryError);
    // 10 throttles ride on their own budget; the 11th counts as an ordinary failure, as do 3 more.
    expect((err as RetryError).attempts).toBe(14);
  });

  it("waits the server's delay first, then a jittered backoff that spreads the callers it released together", async () => {
    const env = fakeEnv(() => 0.5);
    await withRetry(failing(throttled(1_000), throttled(1_000)).call, withThrottles, env);
    expect(env.sleeps).toEqual([1_000 + 0.5 * 100, 1_000 + 0.5 * 200]);
  });

  it("counts ordinary failures apart from throttles", async () => {
    const run = failing(throttled(), unavailable(), throttled(), unavailable(), unavailable(), unavailable());
    const err = await withRetry(run.call, withThrottles, fakeEnv()).catch((e: unknown) => e);
    expect((err as RetryError).attempts).toBe(6); // 2 throttles + 4 ordinary failures = maxAttempts
  });

  it("gives up at once, without spending the throttle budget, when the server's wait ends past the deadline", async () => {
    const env = fakeEnv(() => 0);
    const run = failing(...Array.from({ length: 20 }, () => throttled(60_000)));
    const err = await withRetry(run.call, { ...withThrottles, deadlineAt: env.now() + 5_000 }, env).catch((e: unknown) => e);
    expect((err as RetryError).reason).toBe("quota");
    expect(run.attempts).toEqual([1]);
    expect(env.sleeps).toEqual([]);
  });

  it("without a deadline a long wait is waited (there is no budget to compare it with)", async () => {
    const env = fakeEnv(() => 0);
    await withRetry(failing(throttled(60_000)).call, withThrottles, env);
    expect(env.sleeps).toEqual([60_000]);
  });
});

describe("realRetryEnv.sleep", () => {
  it("leaves no abort listener behind on a signal shared by many waits", async () => {
    const controller = new AbortController();
    for (let i = 0; i < 12; i++) await realRetryEnv.sleep(1, controller.signal);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("rejects with the signal's reason when aborted during the wait, or before it", async () => {
    const controller = new AbortController();
    const waiting = realRetryEnv.sleep(10_000, controller.signal);
    controller.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    await expect(realRetryEnv.sleep(10_000, controller.signal)).rejects.toThrow("stop");
  });
});
