// npm start's batches: every batch file in seeds/batches/ submitted, followed to its end, and summarised.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Firestore } from "firebase-admin/firestore";
import type { BatchProgress } from "../shared/batch/batch-progress";
import { loadBatchFile } from "../local/batch/load-batch-file";
import { enqueueBatch } from "../shared/batch/enqueue-batch";
import { createTaskQueueEnqueuer } from "../shared/batch/task-queue";
import { failedCodes, watchBatch } from "../local/batch/watch-batch";
import { formatIssues } from "../shared/config/config-issue";
import type { ValidationContext } from "../shared/validation/validate-config";
import { readLibraryTasks } from "../shared/pipeline/read-library-tasks";
import { describePlan } from "./batch-submit";
import { formatBatchSummary, formatProgressLine, rowsPerMinute } from "./batch-report";

export const SEED_BATCHES_DIR = join("seeds", "batches");

export async function seedBatchFiles(dir = SEED_BATCHES_DIR): Promise<string[]> {
  try {
    return (await readdir(dir))
      .filter((f) => /\.jsonc?$/.test(f))
      .sort()
      .map((f) => join(dir, f));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}

export interface SeedBatchEnd {
  file: string;
  /** Undefined when the file was refused (its problems were printed). */
  progress?: BatchProgress;
  summary: string;
}

/** Submits one batch file and follows it, printing a progress line whenever a run ends (at most one every 2 s). */
export async function runSeedBatch(
  db: Firestore,
  file: string,
  validation: ValidationContext,
  print: (line: string) => void,
): Promise<SeedBatchEnd> {
  const planned = await loadBatchFile(file, validation, (rawJob) => readLibraryTasks(db, rawJob, validation));
  if (!planned.ok) return { file, summary: `refused ${file}:\n${formatIssues(planned.issues)}` };
  print(describePlan(planned.plan));
  const submitted = await enqueueBatch({ db, enqueue: await createTaskQueueEnqueuer() }, planned.plan);
  if (submitted.kind === "conflict" || submitted.kind === "ended")
    return { file, summary: `${file}: ${submitted.kind === "conflict" ? submitted.reason : `already ${submitted.status}`}` };
  const samples: { at: number; done: number }[] = [];
  let lastDone = -1;
  const progress = await watchBatch(db, planned.plan.batchId, {
    timeoutMs: 600_000,
    onProgress: (p) => {
      samples.push({ at: Date.now(), done: p.done });
      if (p.done === lastDone) return;
      lastDone = p.done;
      print(`[${p.batch.batch_id}] ${formatProgressLine(p, rowsPerMinute(samples))}`);
    },
  });
  const codes = progress.counts.failed ? await failedCodes(db, planned.plan.batchId) : {};
  return { file, progress, summary: formatBatchSummary(progress, codes) };
}
