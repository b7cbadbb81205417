// The admission queue's pace and retries. A deploy creates or updates the queue from the functions' manifest, which
// firebase-tools reads by loading the bundle with neither functions/.env nor the shell's environment; so the build
// (scripts/build.mjs) reads BATCH_* from its environment and functions/.env and writes them into the bundle.

/** Set by the build; absent when this module runs unbundled (tests, tools), which read the environment itself. */
declare const __BATCH_QUEUE_ENV__: Record<string, string> | undefined;

/** The BATCH_* settings the bundle was built with, or the process environment outside the bundle. */
export const builtQueueEnv = (): NodeJS.ProcessEnv => (typeof __BATCH_QUEUE_ENV__ === "undefined" ? process.env : __BATCH_QUEUE_ENV__);

export interface AdmissionQueueOptions {
  rateLimits: { maxDispatchesPerSecond: number; maxConcurrentDispatches: number };
  retryConfig: { maxAttempts: number; minBackoffSeconds: number; maxBackoffSeconds: number; maxDoublings: number };
}

interface Setting {
  env: string;
  fallback: number;
  min: number;
  max: number;
  integer: boolean;
}

/**
 * Defaults: 5 rows a second is a 3-model-call chain on a 1,000 requests-per-minute quota (1000 / 60 / 3 = 5.6, rounded
 * down); 20 admissions at once is far above what 5 a second of ~100 ms dispatches need, and caps a backlog's burst.
 * Cloud Tasks allows at most 500 dispatches a second and 5,000 at once (the emulator too).
 */
export const QUEUE_SETTINGS = {
  maxDispatchesPerSecond: { env: "BATCH_MAX_DISPATCHES_PER_SECOND", fallback: 5, min: 0.001, max: 500, integer: false },
  maxConcurrentDispatches: { env: "BATCH_MAX_CONCURRENT_DISPATCHES", fallback: 20, min: 1, max: 5000, integer: true },
  maxAttempts: { env: "BATCH_RETRY_MAX_ATTEMPTS", fallback: 10, min: 1, max: 100, integer: true },
  minBackoffSeconds: { env: "BATCH_RETRY_MIN_BACKOFF_SECONDS", fallback: 1, min: 0, max: 3600, integer: false },
  maxBackoffSeconds: { env: "BATCH_RETRY_MAX_BACKOFF_SECONDS", fallback: 300, min: 0, max: 3600, integer: false },
} as const satisfies Record<string, Setting>;

/** Throws naming the variable and its range: a wrong pace must stop the deploy, not run at a pace nobody chose. */
export function admissionQueueOptions(env: NodeJS.ProcessEnv = builtQueueEnv()): AdmissionQueueOptions {
  const read = (s: Setting): number => {
    const raw = env[s.env]?.trim();
    if (!raw) return s.fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < s.min || value > s.max || (s.integer && !Number.isInteger(value))) {
      throw new Error(
        `${s.env}=${raw}: expected ${s.integer ? "a whole number" : "a number"} from ${s.min} to ${s.max} (functions/.env, read when the functions are built)`,
      );
    }
    return value;
  };
  const q = QUEUE_SETTINGS;
  const minBackoffSeconds = read(q.minBackoffSeconds);
  const maxBackoffSeconds = Math.max(minBackoffSeconds, read(q.maxBackoffSeconds));
  return {
    rateLimits: { maxDispatchesPerSecond: read(q.maxDispatchesPerSecond), maxConcurrentDispatches: read(q.maxConcurrentDispatches) },
    retryConfig: { maxAttempts: read(q.maxAttempts), minBackoffSeconds, maxBackoffSeconds, maxDoublings: 5 },
  };
}

/** The pace that keeps a chain of `callsPerRow` model calls within `requestsPerMinute`: rows a second. */
export const rowsPerSecondFor = (requestsPerMinute: number, callsPerRow: number): number =>
  requestsPerMinute / 60 / Math.max(1, callsPerRow);
