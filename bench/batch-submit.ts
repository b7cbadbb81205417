// Benchmark 6: submitting a 10,000-row grid through the CLI: rows per second of the whole command (validation, the batch
// document, one queue task per run) and the submitting process's peak memory.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Firestore } from "firebase-admin/firestore";
import { cancelBatch } from "../shared/batch/cancel-batch";
import { rowTask } from "./bench-configs";
import { runMeasured } from "./run-measured";
import { round } from "./stats";

export interface BatchSubmitOptions {
  rows: number;
  timeoutMs: number;
}

export const BATCH_SUBMIT_DEFAULTS: BatchSubmitOptions = { rows: 10_000, timeoutMs: 300_000 };

export interface BatchSubmitResult {
  batch_submit_rows: number;
  /** The whole `npm run batch -- submit` process, from its start to its exit. */
  batch_submit_seconds: number;
  batch_submit_rows_per_s: number;
  batch_submit_peak_mb: number;
}

/** A grid of three variables (10 x 10 x rows / 100) when it divides so, else one variable of `rows` values. */
export function submitGrid(rows: number): Record<string, string[]> {
  const values = (n: number) => Array.from({ length: n }, (_, i) => String(i));
  return rows % 100 === 0 ? { a: values(10), b: values(10), c: values(rows / 100) } : { a: values(rows) };
}

/**
 * The batch is cancelled right after: the benchmark measures the submit, not 10,000 runs (the queue then drops the
 * rest as their turn comes). Runs last in the bench session for the same reason.
 */
export async function measureBatchSubmit(
  db: Firestore,
  tag: string,
  options: BatchSubmitOptions = BATCH_SUBMIT_DEFAULTS,
): Promise<BatchSubmitResult> {
  const dir = mkdtempSync(join(tmpdir(), "bench-submit-"));
  const batchId = `bench-submit-${tag}`;
  const grid = submitGrid(options.rows);
  const task = rowTask(
    "answer",
    Object.keys(grid)
      .map((k) => `%${k}%`)
      .join(" "),
    Object.keys(grid),
  );
  const file = join(dir, "batch.jsonc");
  writeFileSync(file, JSON.stringify({ batch_id: batchId, job: { task_config: task }, grid }));
  try {
    const run = await runMeasured("tools/batch.ts", ["submit", file], {}, options.timeoutMs);
    if (run.code !== 0) throw new Error(`batch-submit: the submit exited ${run.code}: ${run.stderr.trim()}`);
    return {
      batch_submit_rows: options.rows,
      batch_submit_seconds: round(run.seconds, 2),
      batch_submit_rows_per_s: round(options.rows / run.seconds, 1),
      batch_submit_peak_mb: round(run.peakRssBytes / 2 ** 20, 1),
    };
  } finally {
    await cancelBatch({ db }, batchId).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
