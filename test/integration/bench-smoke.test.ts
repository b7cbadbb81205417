// The emulator benchmarks run once with tiny sizes through the real triggers, so that `npm run bench` cannot rot.
import type { Firestore } from "firebase-admin/firestore";
import { beforeAll, describe, expect, it } from "vitest";
import { measureBatchSubmit } from "../../bench/batch-submit";
import { measureBatchThroughput } from "../../bench/batch-throughput";
import { SMOKE_SIZES } from "../../bench/bench-sizes";
import { measureFirestoreCost } from "../../bench/firestore-cost";
import { measureHopLatency } from "../../bench/hop-latency";
import { measureResponseCache } from "../../bench/response-cache";
import { getDb } from "../../shared/pipeline/firestore";
import { requireEmulator, uniqueId } from "../support/firestore-test-env";

let db: Firestore;
let standinUrl: string;

beforeAll(async () => {
  requireEmulator();
  const url = process.env.GEMINI_BASE_URL;
  if (!url) throw new Error("GEMINI_BASE_URL is not set: the integration suite needs the shared stand-in that `npm test` starts");
  standinUrl = url;
  db = await getDb();
});

describe("bench smoke through the emulators (tiny sizes; the figures are not measurements)", () => {
  it("Firestore cost counts every read and write of a job's tasks and of a bare task", async () => {
    const cost = await measureFirestoreCost(SMOKE_SIZES.firestore_cost);
    // Each task's trigger claims it in one write, reads the job beside it, and finishes in one batch.
    expect(cost.reads_per_task).toBe(1);
    expect(cost.writes_per_task).toBeGreaterThanOrEqual(4);
    expect(cost.writes_per_task).toBeLessThanOrEqual(5);
    expect(cost.bare_writes_per_task).toBeGreaterThan(0);
    expect(cost.job_start_writes).toBeGreaterThan(0);
    // Each counted document is one line of the listing, named by collection, never by this run's ids.
    expect(cost.ops.bare_task).toHaveLength(cost.bare_reads_per_task + cost.bare_writes_per_task);
    for (const line of Object.values(cost.ops).flat())
      expect(line).toMatch(/^(tx|batch|ref)\.(get|create|set|update|delete) [a-z_]+\/\{id\}/);
  });

  it("hop latency follows a job's chain through the triggers and reads each task's creation time", async () => {
    // The bare codebase is loaded only by `npm run bench`'s own emulator config, so no bound here.
    const hop = await measureHopLatency(db, standinUrl, uniqueId("smoke"), { ...SMOKE_SIZES.hop_latency, bare: false });
    expect(hop.hops_measured).toBe(SMOKE_SIZES.hop_latency.tasks - 1);
    expect(hop.hop_ms_p50).toBeGreaterThanOrEqual(0);
    expect(Number.isNaN(hop.hop_ratio)).toBe(true);
    // The floor's parts are measured alone; without the bare hop the floor itself has no value.
    for (const key of ["claim_write_ms", "model_call_ms", "finish_commit_ms", "create_ms"] as const)
      expect(hop.floor_parts[key]).toBeGreaterThan(0);
    expect(Number.isNaN(hop.hop_floor_ratio)).toBe(true);
  });

  it("batch throughput submits a batch through the admission queue, then creates the same rows at once, and waits for every run", async () => {
    const rows = SMOKE_SIZES.batch_throughput.rows;
    const batch = await measureBatchThroughput(db, standinUrl, uniqueId("smoke"), SMOKE_SIZES.batch_throughput);
    expect(batch).toMatchObject({
      batch_rows: rows,
      batch_failed: 0,
      unpaced_failed: 0,
      throttled_ratio: 0,
      paced: { model_requests: rows },
      unpaced: { model_requests: rows },
    });
    expect(batch.batch_seconds).toBeGreaterThan(0);
    expect(batch.unpaced_seconds).toBeGreaterThan(0);
    expect(batch.queue_rows_per_second).toBeGreaterThan(0);
    // No limit in the smoke run, so no bound and no ratio.
    expect(Number.isNaN(batch.throughput_ratio)).toBe(true);
  });

  it("the response store bench runs a two-task batch, reruns it, reruns it with its second prompt changed, and counts each pass's calls", async () => {
    const rows = SMOKE_SIZES.response_cache.rows;
    const cache = await measureResponseCache(db, standinUrl, uniqueId("smoke"), SMOKE_SIZES.response_cache);
    expect(cache).toMatchObject({
      cache_rows: rows,
      first_pass_model_calls: 2 * rows,
      cached_rerun_model_calls: 0,
      changed_step_rerun_model_calls: rows,
      cache_failed_runs: 0,
      // The step records agree with the stand-in's count: what was not paid for was taken from the store.
      passes: { first: { cached_steps: 0 }, cached_rerun: { cached_steps: 2 * rows }, changed_step_rerun: { cached_steps: rows } },
    });
    expect(cache.first_pass_seconds).toBeGreaterThan(0);
  });

  it("batch submit runs the CLI on a grid, measures its rows per second and peak memory, and cancels the batch", async () => {
    const tag = uniqueId("smoke");
    const submit = await measureBatchSubmit(db, tag, SMOKE_SIZES.batch_submit);
    expect(submit.batch_submit_rows).toBe(SMOKE_SIZES.batch_submit.rows);
    expect(submit.batch_submit_rows_per_s).toBeGreaterThan(0);
    expect(submit.batch_submit_peak_mb).toBeGreaterThan(10);
    expect((await db.doc(`batches/bench-submit-${tag}`).get()).get("status")).toBe("cancelled");
  });
});
