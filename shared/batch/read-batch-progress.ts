// Reads a batch's progress, and ends a batch whose runs have all ended: the one write of its end, made by whoever
// reads it first (watch, export, status, or the settleBatches schedule).
import { Timestamp, type Firestore } from "firebase-admin/firestore";
import { ZERO_COST } from "../engine/run-record";
import { ZERO_USAGE } from "../models/token-usage";
import { COLLECTIONS } from "../collections";
import { millisOf } from "../pipeline/document-fields";
import {
  countJobs,
  deriveProgress,
  finalTotals,
  readBatchDocument,
  RUN_STATES,
  settledStatus,
  type BatchProgress,
  type RunCounts,
} from "./batch-progress";
import type { BatchDocument } from "./batch-schema";

/** Undefined when there is no such batch. A batch that ended reads from its own document (its final counts). */
export async function readBatchProgress(db: Firestore, batchId: string, now: () => number = Date.now): Promise<BatchProgress | undefined> {
  const batch = await readBatchDocument(db, batchId);
  if (!batch) return undefined;
  if (batch.status !== "running" && batch.final_counts) return finalProgress(batch);
  const progress = deriveProgress(batch, await countJobs(db, batchId), batch.finished_at?.toMillis());
  const status = settledStatus(progress);
  if (!status) return progress;
  const finishedAt = (await lastFinishedAt(db, batchId)) ?? now();
  const settled = await settle(db, batch, status, progress, finishedAt);
  return settled ? { ...progress, status, finishedAt, batch: { ...batch, status } } : progress;
}

/** Writes the end once: only a batch still running, still on the same retry, changes. */
async function settle(
  db: Firestore,
  read: BatchDocument,
  status: "success" | "failed",
  progress: BatchProgress,
  finishedAt: number,
): Promise<boolean> {
  const ref = db.collection(COLLECTIONS.batches).doc(read.batch_id);
  return db.runTransaction(async (tx) => {
    const current = (await tx.get(ref)).data();
    if (current?.status !== "running" || (current.retries ?? 0) !== read.retries || !current.enqueued_at) return false;
    tx.update(ref, { status, finished_at: Timestamp.fromMillis(finishedAt), ...finalTotals(progress) });
    return true;
  });
}

/** When the last run ended: the latest finished_at among the batch's jobs (index jobs(batch_id, finished_at desc)). */
async function lastFinishedAt(db: Firestore, batchId: string): Promise<number | undefined> {
  const snap = await db.collection(COLLECTIONS.jobs).where("batch_id", "==", batchId).orderBy("finished_at", "desc").limit(1).get();
  return millisOf(snap.docs[0]?.get("finished_at"));
}

function finalProgress(batch: BatchDocument): BatchProgress {
  const counts = Object.fromEntries(RUN_STATES.map((s) => [s, batch.final_counts?.[s] ?? 0])) as RunCounts;
  const startedAt = batch.created_at?.toMillis();
  const finishedAt = batch.finished_at?.toMillis();
  return {
    batch,
    status: batch.status,
    counts,
    total: batch.runs_total,
    done: counts.success + counts.failed + counts.cancelled,
    usage: batch.final_usage ?? { ...ZERO_USAGE },
    cost: batch.final_cost ?? ZERO_COST,
    cachedSteps: batch.final_cached_steps ?? 0,
    ...(startedAt !== undefined ? { startedAt } : {}),
    ...(finishedAt !== undefined ? { finishedAt } : {}),
  };
}
