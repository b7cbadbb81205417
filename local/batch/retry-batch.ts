// Runs a batch's failed runs again, each as a new run of its job (run2, ...); runs that succeeded are not touched.
import { FieldValue, type DocumentSnapshot, type Firestore } from "firebase-admin/firestore";
import { COLLECTIONS } from "../../shared/collections";
import { queueTaskId } from "../../shared/batch/batch-ids";
import { batchJobPages, forEachLimited } from "../../shared/batch/batch-jobs";
import { countJobs, readBatchDocument } from "../../shared/batch/batch-progress";
import type { RowDispatch } from "../../shared/batch/batch-schema";
import type { Enqueue } from "../../shared/batch/task-queue";

export type RetryBatchResult = { kind: "retried"; runs: number } | { kind: "not_retried"; reason: string };

/** Runs to run again: failed, cancelled one by one (cancel-job), or marked by an earlier retry that stopped half-way. */
const RETRYABLE = ["failed", "cancelled", "pending"];

/**
 * Each run to retry is marked `pending` (so that the batch reads as unfinished while it waits), then goes through the
 * admission queue like a new run, paced the same way. The queue task id names the job's next run, so a retry that is
 * run twice, or again after stopping half-way, enqueues each run once.
 */
export async function retryBatch(deps: { db: Firestore; enqueue: Enqueue }, batchId: string): Promise<RetryBatchResult> {
  const { db } = deps;
  const batch = await readBatchDocument(db, batchId);
  if (!batch) return { kind: "not_retried", reason: `no document batches/${batchId}` };
  if (batch.status === "cancelled")
    return {
      kind: "not_retried",
      reason: `batch ${batchId} was cancelled; its runs are not started again (submit it under a new batch_id)`,
    };
  const counts = await countJobs(db, batchId);
  if (RETRYABLE.every((s) => counts[s as "failed" | "cancelled" | "pending"] === 0))
    return { kind: "not_retried", reason: "no run of the batch failed" };
  const ref = db.collection(COLLECTIONS.batches).doc(batchId);
  // enqueued_at goes until every retry is enqueued: until then nobody may read the batch as ended.
  await ref.update({
    status: "running",
    retries: FieldValue.increment(1),
    enqueued_at: FieldValue.delete(),
    finished_at: FieldValue.delete(),
    final_counts: FieldValue.delete(),
    final_usage: FieldValue.delete(),
    final_cost: FieldValue.delete(),
    final_cached_steps: FieldValue.delete(),
  });
  let runs = 0;
  for await (const page of batchJobPages(db, batchId, RETRYABLE)) {
    await forEachLimited(page, 20, async (job) => {
      if (await markPending(job)) {
        await deps.enqueue(retryDispatch(batchId, job.id), queueTaskId(job.id, `retry${Number(job.get("runs") ?? 1) + 1}`));
        runs++;
      }
    });
  }
  await ref.update({ enqueued_at: FieldValue.serverTimestamp() });
  return { kind: "retried", runs };
}

const FAILED_PRECONDITION = 9;

const retryDispatch = (batchId: string, jobId: string): RowDispatch => ({ kind: "retry", batch_id: batchId, job_id: jobId });

/** Only a job unchanged since it was read: one that moved meanwhile (started again by hand) is left alone. */
async function markPending(job: DocumentSnapshot): Promise<boolean> {
  if (job.get("status") === "pending") return true;
  try {
    await job.ref.update({ status: "pending", updated_at: FieldValue.serverTimestamp() }, { lastUpdateTime: job.updateTime! });
    return true;
  } catch (err) {
    if ((err as { code?: unknown }).code === FAILED_PRECONDITION) return false;
    throw err;
  }
}
