// Benchmark 7: the response store (issue 19). A batch of a two-task chain runs three times against the stand-in, each
// pass under its own batch_id, its runs' jobs created at once: first with the store empty, then the same definition
// again, then with the second task's prompt changed. The stand-in counts the model calls each pass paid for.
import type { Firestore } from "firebase-admin/firestore";
import { planBatch, type BatchPlan } from "../shared/batch/plan-batch";
import { COLLECTIONS } from "../shared/collections";
import { DEFAULT_VALIDATION } from "../shared/validation/validate-config";
import { createAtOnce } from "./batch-throughput";
import { readingTask } from "./bench-configs";
import { configureStandin, resetStandin, standinStats } from "./standin-client";
import { round } from "./stats";
import { waitForRuns } from "./wait-for-runs";

export interface ResponseCacheOptions {
  rows: number;
  /** The stand-in's latency per answer: small, since what is counted is calls, not time. */
  latencyMs: number;
  /**
   * Rows of a batch of their own run first, unmeasured, to start the emulator's worker processes (startJob, runTask)
   * before the first pass is timed. Their items differ from the measured rows', so nothing they store is reused.
   */
  warmupRows: number;
  /** For each pass. */
  timeoutMs: number;
}

export const RESPONSE_CACHE_DEFAULTS: ResponseCacheOptions = { rows: 500, latencyMs: 20, warmupRows: 2, timeoutMs: 600_000 };

/** One model step per task, two tasks: the calls a row pays with nothing stored. */
export const MODEL_STEPS_PER_ROW = 2;

export interface CachePass {
  batch_id: string;
  /** From the first job's creation to the last run seen ended. */
  seconds: number;
  /** Requests the stand-in saw during the pass: the calls paid for. */
  model_calls: number;
  /** Steps whose record says `cached: true`, counted in the runs' output documents. */
  cached_steps: number;
  failed: number;
  failed_codes: Record<string, number>;
}

export interface ResponseCacheResult {
  /** The batch's rows (one repeat, no models): the runs of each pass. */
  cache_rows: number;
  /** Goal (a check of the benchmark itself): every one of rows x 2 calls paid once. */
  first_pass_model_calls: number;
  /** The same definition again under a new batch_id. Goal: 0. */
  cached_rerun_model_calls: number;
  /** The second task's prompt changed. Goal: exactly one call per row. */
  changed_step_rerun_model_calls: number;
  first_pass_seconds: number;
  cached_rerun_seconds: number;
  changed_step_rerun_seconds: number;
  /** Runs that did not end `success`, over the three passes. Goal: 0. */
  cache_failed_runs: number;
  passes: { first: CachePass; cached_rerun: CachePass; changed_step_rerun: CachePass };
  model_steps_per_row: number;
  latency_ms: number;
}

const FIRST_PROMPT = "Name one fact about item %item%.";
const SECOND_PROMPT = "Rate this fact from 1 to 10: %fact%";
const CHANGED_SECOND_PROMPT = "Rate this fact from 1 to 5: %fact%";

export async function measureResponseCache(
  db: Firestore,
  standinUrl: string,
  tag: string,
  options: ResponseCacheOptions = RESPONSE_CACHE_DEFAULTS,
): Promise<ResponseCacheResult> {
  const batchId = `bench-cache-${tag}`;
  const items = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  await configureStandin(standinUrl, { latencyMs: options.latencyMs, rpm: 0, rpmBurst: 0, faults: {}, script: [] });
  if (options.warmupRows > 0) {
    const warmup = cachePlan(`${batchId}-warmup`, items("warmup-", options.warmupRows), SECOND_PROMPT);
    await runPass(db, standinUrl, warmup, warmup.batchId, options);
  }
  const plan = cachePlan(batchId, items("", options.rows), SECOND_PROMPT);
  const first = await runPass(db, standinUrl, plan, batchId, options);
  // The same plan under another batch_id: its runs are new jobs of the same owner scope (the operator's, no owner).
  const cachedRerun = await runPass(db, standinUrl, plan, `${batchId}-rerun`, options);
  const changed = cachePlan(`${batchId}-changed`, items("", options.rows), CHANGED_SECOND_PROMPT);
  const changedRerun = await runPass(db, standinUrl, changed, changed.batchId, options);
  await configureStandin(standinUrl, { latencyMs: 0 });
  return {
    cache_rows: options.rows,
    first_pass_model_calls: first.model_calls,
    cached_rerun_model_calls: cachedRerun.model_calls,
    changed_step_rerun_model_calls: changedRerun.model_calls,
    first_pass_seconds: first.seconds,
    cached_rerun_seconds: cachedRerun.seconds,
    changed_step_rerun_seconds: changedRerun.seconds,
    cache_failed_runs: first.failed + cachedRerun.failed + changedRerun.failed,
    passes: { first, cached_rerun: cachedRerun, changed_step_rerun: changedRerun },
    model_steps_per_row: MODEL_STEPS_PER_ROW,
    latency_ms: options.latencyMs,
  };
}

/**
 * Task one asks about the row's item; task two reads task one's answer (the stand-in echoes the prompt, so each row's
 * answer, and so its second prompt, is its own). The batch's cache is left to its default, on.
 */
export function cachePlan(batchId: string, items: readonly string[], secondPrompt: string): BatchPlan {
  const job = {
    task_config: readingTask("fact", FIRST_PROMPT, ["item"], "fact", "rating"),
    task_configs: [readingTask("rating", secondPrompt, ["fact"], "rating")],
  };
  const planned = planBatch({ raw: { batch_id: batchId, job, grid: { item: [...items] } } }, DEFAULT_VALIDATION);
  if (!planned.ok) throw new Error(`response-cache: the benchmark's batch is invalid: ${JSON.stringify(planned.issues)}`);
  if (planned.plan.template.cache !== true)
    throw new Error("response-cache: a batch without `cache` no longer defaults to cache on; the benchmark measures the default");
  return planned.plan;
}

/** Creates the plan's runs under `batchId` at once and waits for every one to end, counting what the stand-in saw. */
async function runPass(
  db: Firestore,
  standinUrl: string,
  plan: BatchPlan,
  batchId: string,
  options: ResponseCacheOptions,
): Promise<CachePass> {
  await resetStandin(standinUrl);
  const began = performance.now();
  const waiting = waitForRuns(db, batchId, plan.runsTotal, options.timeoutMs);
  await createAtOnce(db, plan, batchId);
  const { failedCodes } = await waiting;
  const seconds = (performance.now() - began) / 1000;
  const stats = await standinStats(standinUrl);
  return {
    batch_id: batchId,
    seconds: round(seconds, 2),
    model_calls: stats.requests,
    cached_steps: await countCachedSteps(db, batchId),
    failed: Object.values(failedCodes).reduce((a, b) => a + b, 0),
    failed_codes: failedCodes,
  };
}

/** The steps recorded `cached: true` in the output documents of the batch's runs (job ids `<batch>~<row>~<repeat>`). */
async function countCachedSteps(db: Firestore, batchId: string): Promise<number> {
  const outputs = await db
    .collection(COLLECTIONS.outputs)
    .where("job_id", ">=", `${batchId}~`)
    .where("job_id", "<", `${batchId}~\uf8ff`)
    .select("steps")
    .get();
  let cached = 0;
  for (const doc of outputs.docs) {
    const steps = doc.get("steps") as { cached?: boolean }[] | undefined;
    cached += (steps ?? []).filter((s) => s.cached === true).length;
  }
  return cached;
}
