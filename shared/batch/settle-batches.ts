// The schedule's backstop: ends every running batch whose runs have all ended, for batches nobody watches.
import type { Firestore } from "firebase-admin/firestore";
import { COLLECTIONS } from "../collections";
import { readBatchProgress } from "./read-batch-progress";

/** The ids of the batches this call ended, with their status. One batch's failure does not stop the others. */
export async function settleBatches(
  db: Firestore,
  log?: (message: string, fields?: Record<string, unknown>) => void,
): Promise<Record<string, string>> {
  const running = await db.collection(COLLECTIONS.batches).where("status", "==", "running").select().get();
  const ended: Record<string, string> = {};
  for (const doc of running.docs) {
    try {
      const progress = await readBatchProgress(db, doc.id);
      if (progress && progress.status !== "running") ended[doc.id] = progress.status;
    } catch (err) {
      log?.("could not read a batch's progress", { batchId: doc.id, error: (err as Error).message });
    }
  }
  return ended;
}
