// Benchmark 4: a batch through the batch path (submit, the paced admission queue, the triggers) against a rate-limited
// stand-in, against the limit's own bound; beside it the same rows created all at once as jobs, without pacing.
import type { Firestore, Timestamp } from "firebase-admin/firestore";
import { planBatch, type BatchPlan } from "../shared/batch/plan-batch";
import { rowsPerSecondFor } from "../shared/batch/queue-config";
import { buildRunJob } from "../shared/batch/run-job";
import { runAt } from "../shared/batch/expand-rows";
import { enqueueBatch } from "../shared/batch/enqueue-batch";
import { ADMIT_FUNCTION, createTaskQueueEnqueuer } from "../shared/batch/task-queue";
import { DEFAULT_VALIDATION } from "../shared/validation/validate-config";
import { COLLECTIONS } from "../shared/collections";
import { rowTask } from "./bench-configs";
import { configureStandin, resetStandin, standinConfig, standinStats } from "./standin-client";
import { round } from "./stats";
import { waitForRuns } from "./wait-for-runs";

export interface BatchThroughputOptions {
  rows: number;
  /** The stand-in's requests-per-minute limit; 0 runs unlimited (smoke test). */
  rpm: number;
  /**
   * Requests the stand-in's limiter lets through at once: a token bucket refilled at rpm / 60 a second. 10 is 5 s of
   * the limit, far stricter than Gemini's per-minute accounting; it absorbs the emulator's own unevenness (one trigger
   * event at a time, so a backlog of admitted rows calls the model back to back) without letting a burst beat the
   * bound, which counts it: (calls - rpmBurst) / (rpm / 60).
   */
  rpmBurst: number;
  latencyMs: number;
  /** Also run the same rows created at once as jobs, without the queue. */
  unpaced: boolean;
  /**
   * Rows of a small batch run first, unmeasured: they start the emulator's worker processes (admitBatchRow, startJob,
   * runTask), a few seconds each on first use, which a deployed batch of hundreds of rows pays once, not per row.
   */
  warmupRows: number;
  timeoutMs: number;
}

/** 120 requests a minute, one model call a row: the queue admits 2 rows a second, so 300 rows take at least 145 s. */
export const BATCH_THROUGHPUT_DEFAULTS: BatchThroughputOptions = {
  rows: 300,
  rpm: 120,
  rpmBurst: 10,
  latencyMs: 300,
  unpaced: true,
  warmupRows: 4,
  timeoutMs: 600_000,
};

/** One model call per row: the chain of this benchmark. */
const CALLS_PER_ROW = 1;

/**
 * The pace the bench session's bundle is built with (bench/run.ts passes it to the build): the limit's rows per second,
 * plus 0.01 in the emulator. Its Tasks emulator refills its bucket once a second, capped at the rate, and dispatches
 * whole rows: a refill that measures 999 ms gives 1.998 tokens at a rate of 2, and that second admits one row instead of
 * two (measured: 1.87 rows a second at a rate of 2). At 2.01 every second admits exactly 2, never 3 (the bucket holds at
 * most 2.01); the admission rate actually reached is measured and reported (`admitted_rows_per_second`).
 */
export function benchRowsPerSecond(options: BatchThroughputOptions): number | undefined {
  if (options.rpm <= 0) return undefined;
  const limit = rowsPerSecondFor(options.rpm, CALLS_PER_ROW);
  return limit >= 1.1 ? Math.round((limit + 0.01) * 1000) / 1000 : limit;
}

export interface RunFigures {
  seconds: number;
  /** From the start to the first run's job created (queue start-up and first dispatch), and the pace of the rest. */
  first_admitted_seconds: number;
  admitted_rows_per_second: number;
  failed: number;
  model_requests: number;
  model_rate_limited: number;
  failed_codes: Record<string, number>;
  first_run_seconds: number;
}

export interface BatchThroughputResult {
  batch_rows: number;
  batch_seconds: number;
  /** (rows x calls - the bucket's burst) / limit: the shortest time the limit allows. */
  rate_bound_seconds: number;
  /** rate_bound_seconds / batch_seconds: 1.0 is perfect. */
  throughput_ratio: number;
  batch_failed: number;
  /** 429 answers / model calls (every request the stand-in saw). */
  throttled_ratio: number;
  unpaced_seconds: number;
  unpaced_throughput_ratio: number;
  unpaced_throttled_ratio: number;
  unpaced_failed: number;
  /** The queue's rate as the emulator reports it. */
  queue_rows_per_second: number;
  paced: RunFigures;
  unpaced?: RunFigures;
  rpm: number;
  rpm_burst: number;
  latency_ms: number;
}

export async function measureBatchThroughput(
  db: Firestore,
  standinUrl: string,
  tag: string,
  options: BatchThroughputOptions = BATCH_THROUGHPUT_DEFAULTS,
): Promise<BatchThroughputResult> {
  const queueRate = await checkQueueRate(options);
  if (options.rpmBurst > 0) await requireRpmBurst(standinUrl);
  const plan = benchPlan(`bench-batch-${tag}`, options.rows);
  if (options.warmupRows > 0) {
    const warmup = benchPlan(`bench-batch-${tag}-warmup`, options.warmupRows);
    await configureStandin(standinUrl, { latencyMs: 0, rpm: 0, rpmBurst: 0, faults: {}, script: [] });
    await Promise.all([waitForRuns(db, warmup.batchId, options.warmupRows, options.timeoutMs), submitPaced(db, warmup)]);
  }
  const paced = await timed(db, plan.batchId, standinUrl, options, () => submitPaced(db, plan));
  const unpaced = options.unpaced
    ? await timed(db, `${plan.batchId}-unpaced`, standinUrl, options, () => createAtOnce(db, plan, `${plan.batchId}-unpaced`))
    : undefined;
  await configureStandin(standinUrl, { latencyMs: 0, rpm: 0, rpmBurst: 0 });
  // A bucket that starts full lets rpmBurst calls through at once: the bound is the time for the rest at the limit.
  const bound = options.rpm > 0 ? ((options.rows * CALLS_PER_ROW - options.rpmBurst) / options.rpm) * 60 : 0;
  const ratio = (run?: RunFigures) => (run && options.rpm > 0 ? round(bound / run.seconds, 3) : Number.NaN);
  const throttled = (run?: RunFigures) => (run ? round(run.model_rate_limited / Math.max(1, run.model_requests), 4) : Number.NaN);
  return {
    batch_rows: options.rows,
    batch_seconds: paced.seconds,
    rate_bound_seconds: round(bound, 2),
    throughput_ratio: ratio(paced),
    batch_failed: paced.failed,
    throttled_ratio: throttled(paced),
    unpaced_seconds: unpaced?.seconds ?? Number.NaN,
    unpaced_throughput_ratio: ratio(unpaced),
    unpaced_throttled_ratio: throttled(unpaced),
    unpaced_failed: unpaced?.failed ?? Number.NaN,
    queue_rows_per_second: queueRate,
    paced,
    ...(unpaced ? { unpaced } : {}),
    rpm: options.rpm,
    rpm_burst: options.rpmBurst,
    latency_ms: options.latencyMs,
  };
}

/** A grid of `rows` values of one variable, each row one model call. */
export function benchPlan(batchId: string, rows: number): BatchPlan {
  const task = rowTask("answer", "Answer in one line: what is item %item%?", ["item"]);
  const planned = planBatch(
    { raw: { batch_id: batchId, job: { task_config: task }, grid: { item: Array.from({ length: rows }, (_, i) => String(i)) } } },
    DEFAULT_VALIDATION,
  );
  if (!planned.ok) throw new Error(`batch-throughput: the benchmark's batch is invalid: ${JSON.stringify(planned.issues)}`);
  return planned.plan;
}

async function submitPaced(db: Firestore, plan: BatchPlan): Promise<void> {
  const submitted = await enqueueBatch({ db, enqueue: await createTaskQueueEnqueuer() }, plan);
  if (submitted.kind !== "created")
    throw new Error(`batch-throughput: the benchmark's batch was not created: ${JSON.stringify(submitted)}`);
}

/** The comparison: every row's job created at once (status queued), as a script without a queue would. */
export async function createAtOnce(db: Firestore, plan: BatchPlan, batchId: string): Promise<void> {
  const writer = db.bulkWriter();
  for (let i = 0; i < plan.runsTotal; i++) {
    const run = runAt(plan.space, i);
    const { jobId, doc } = buildRunJob(
      { batch_id: batchId, job: plan.template },
      { kind: "admit", batch_id: batchId, row_index: run.rowIndex, repeat: run.repeat, inputs: run.inputs },
    );
    void writer.create(db.collection(COLLECTIONS.jobs).doc(jobId), doc);
  }
  await writer.close();
}

/** From the start of `start` to the moment the last run is seen ended, with what the stand-in saw meanwhile. */
async function timed(
  db: Firestore,
  batchId: string,
  standinUrl: string,
  options: BatchThroughputOptions,
  start: () => Promise<void>,
): Promise<RunFigures> {
  await configureStandin(standinUrl, {
    latencyMs: options.latencyMs,
    rpm: options.rpm,
    rpmBurst: options.rpmBurst,
    faults: {},
    script: [],
  });
  await resetStandin(standinUrl);
  const beganAt = Date.now();
  const began = performance.now();
  const waiting = waitForRuns(db, batchId, options.rows, options.timeoutMs);
  await start();
  const { firstEndedAt, failedCodes } = await waiting;
  const seconds = (performance.now() - began) / 1000;
  const stats = await standinStats(standinUrl);
  const created = (await db.collection(COLLECTIONS.jobs).where("batch_id", "==", batchId).select("created_at").get()).docs
    .map((d) => (d.get("created_at") as Timestamp).toMillis())
    .sort((a, b) => a - b);
  return {
    seconds: round(seconds, 2),
    first_admitted_seconds: round((created[0]! - beganAt) / 1000, 2),
    admitted_rows_per_second: admissionRate(created),
    failed: Object.values(failedCodes).reduce((a, b) => a + b, 0),
    model_requests: stats.requests,
    model_rate_limited: stats.faults.rate_limited ?? 0,
    failed_codes: failedCodes,
    first_run_seconds: round((firstEndedAt - began) / 1000, 2),
  };
}

/**
 * Rows admitted per second after the first dispatch: the queue admits a second's allowance at once, so the first
 * second's rows (created within half a second of the first) start the span rather than fall inside it.
 */
function admissionRate(createdMillis: readonly number[]): number {
  const first = createdMillis[0]!;
  const span = (createdMillis[createdMillis.length - 1]! - first) / 1000;
  const opening = createdMillis.filter((t) => t - first < 500).length;
  // Rows created all at once (the unpaced comparison) have no pace to speak of.
  return span >= 0.5 && opening < createdMillis.length ? round((createdMillis.length - opening) / span, 3) : Number.NaN;
}

/**
 * The queue must pace at the limit's rows per second; the emulator says at what rate it was created (from the bundle's
 * BATCH_MAX_DISPATCHES_PER_SECOND, which bench/run.ts sets when it builds). A stand-in without rpmBurst is refused too.
 */
async function checkQueueRate(options: BatchThroughputOptions): Promise<number> {
  const host = process.env.CLOUD_TASKS_EMULATOR_HOST;
  if (!host) throw new Error("batch-throughput: CLOUD_TASKS_EMULATOR_HOST is not set; the benchmark needs the Cloud Tasks emulator");
  const stats = (await (await fetch(`http://${host}/queueStats`)).json()) as Record<string, { maxRate: number }>;
  const queue = Object.entries(stats).find(([key]) => key.endsWith(`-${ADMIT_FUNCTION}`))?.[1];
  if (!queue)
    throw new Error(
      `batch-throughput: the Tasks emulator has no ${ADMIT_FUNCTION} queue (it lists ${Object.keys(stats).join(", ") || "none"})`,
    );
  const wanted = benchRowsPerSecond(options);
  if (wanted !== undefined && Math.abs(queue.maxRate - wanted) > 1e-9) {
    throw new Error(
      `batch-throughput: the admission queue paces ${queue.maxRate} rows/s, the benchmark needs ${wanted}: build with BATCH_MAX_DISPATCHES_PER_SECOND=${wanted} (npm run bench does, unless --no-build)`,
    );
  }
  return queue.maxRate;
}

async function requireRpmBurst(standinUrl: string): Promise<void> {
  if (!("rpmBurst" in (await standinConfig(standinUrl))))
    throw new Error("batch-throughput: the stand-in has no rpmBurst knob (local/standin/standin-server.ts)");
}
