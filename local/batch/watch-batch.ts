// Follows a batch until it ends: its progress read every few seconds (aggregations, never a listener on each job).
import type { Firestore } from "firebase-admin/firestore";
import type { BatchProgress } from "../../shared/batch/batch-progress";
import { batchJobPages } from "../../shared/batch/batch-jobs";
import { readBatchProgress } from "../../shared/batch/read-batch-progress";

export interface WatchBatchOptions {
  intervalMs?: number;
  timeoutMs?: number;
  onProgress?: (progress: BatchProgress) => void;
}

/** Resolves with the batch's progress once it has ended (success, failed or cancelled). */
export async function watchBatch(db: Firestore, batchId: string, options: WatchBatchOptions = {}): Promise<BatchProgress> {
  const until = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  for (;;) {
    const progress = await readBatchProgress(db, batchId);
    if (!progress) throw new Error(`no document batches/${batchId}`);
    options.onProgress?.(progress);
    if (progress.status !== "running") return progress;
    if (Date.now() > until)
      throw new Error(
        `batch ${batchId} did not end within ${Math.round((options.timeoutMs ?? 0) / 1000)} s (${progress.done}/${progress.total} runs ended); it goes on running`,
      );
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 2000));
  }
}

/** How many failed runs failed with each error code (the first pages of failures: enough to say what went wrong). */
export async function failedCodes(db: Firestore, batchId: string, limit = 1000): Promise<Record<string, number>> {
  const codes: Record<string, number> = {};
  let seen = 0;
  for await (const page of batchJobPages(db, batchId, ["failed"])) {
    for (const job of page) {
      const code = String(job.get("error.code") ?? "unknown");
      codes[code] = (codes[code] ?? 0) + 1;
    }
    if ((seen += page.length) >= limit) break;
  }
  return codes;
}
