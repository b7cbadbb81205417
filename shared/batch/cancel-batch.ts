// Cancels a batch: no further run is admitted, every run admitted and not ended is cancelled, the batch ends `cancelled`.
import { Timestamp, type Firestore } from "firebase-admin/firestore";
import { cancelJob } from "../pipeline/cancel-job";
import { COLLECTIONS } from "../collections";
import { batchJobPages, forEachLimited } from "./batch-jobs";
import { countJobs, deriveProgress, finalTotals, readBatchDocument } from "./batch-progress";

export type CancelBatchResult =
  { kind: "cancelled"; cancelledJobs: number; runningJobs: number } | { kind: "not_cancelled"; reason: string };

/** Jobs a cancel stops: not started (pending, queued) or running. */
const UNENDED = ["pending", "queued", "running"];

/**
 * The batch's status changes first, in a transaction: a dispatch admits a run in a transaction that reads that status,
 * so from then on no run is admitted, and every run admitted before is found by the query that follows. A running
 * run's job ends `cancelled` at once; its task in flight finishes (its model calls are already paid for) but commits
 * no successor (cancel-job.ts). Runs left in the queue are acknowledged without work as their dispatches come.
 */
export async function cancelBatch(deps: { db: Firestore; now?: () => number }, batchId: string): Promise<CancelBatchResult> {
  const { db } = deps;
  const ref = db.collection(COLLECTIONS.batches).doc(batchId);
  const at = Timestamp.fromMillis((deps.now ?? Date.now)());
  const refused = await db.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (!snap.exists) return `no document batches/${batchId}`;
    if (snap.get("status") !== "running") return `the batch is already ${snap.get("status")}`;
    tx.update(ref, { status: "cancelled", cancelled_at: at, finished_at: at });
    return undefined;
  });
  if (refused) return { kind: "not_cancelled", reason: refused };
  let cancelledJobs = 0;
  let runningJobs = 0;
  for await (const page of batchJobPages(db, batchId, UNENDED)) {
    await forEachLimited(page, 20, async (job) => {
      const result = await cancelJob(deps, job.id, `cancelled with its batch ${batchId}`);
      if (result.kind !== "ended") return;
      cancelledJobs++;
      if (result.currentTaskDocId) runningJobs++;
    });
  }
  await writeFinalCounts(db, batchId);
  return { kind: "cancelled", cancelledJobs, runningJobs };
}

/** A cancelled batch reads from its document from now on. */
async function writeFinalCounts(db: Firestore, batchId: string): Promise<void> {
  const batch = await readBatchDocument(db, batchId);
  if (!batch) return;
  const progress = deriveProgress(batch, await countJobs(db, batchId));
  await db.collection(COLLECTIONS.batches).doc(batchId).update(finalTotals(progress));
}
