// Resolves when `count` runs of a batch have ended, by listening to the batch's jobs (one query, not one per job).
import type { Firestore } from "firebase-admin/firestore";
import { COLLECTIONS } from "../shared/collections";

const ENDED = ["success", "failed", "cancelled"];

export function waitForRuns(
  db: Firestore,
  batchId: string,
  count: number,
  timeoutMs: number,
): Promise<{ firstEndedAt: number; failedCodes: Record<string, number> }> {
  return new Promise((resolve, reject) => {
    const ended = new Map<string, { status: string; code?: string | undefined }>();
    let firstEndedAt: number | undefined;
    const timer = setTimeout(() => {
      unsubscribe();
      reject(
        new Error(
          `${ended.size} of ${count} runs of batch ${batchId} ended within ${Math.round(timeoutMs / 1000)} s; see the emulator log`,
        ),
      );
    }, timeoutMs);
    const unsubscribe = db
      .collection(COLLECTIONS.jobs)
      .where("batch_id", "==", batchId)
      .onSnapshot(
        (snap) => {
          for (const change of snap.docChanges()) {
            const status = String(change.doc.get("status"));
            if (!ENDED.includes(status) || ended.has(change.doc.id)) continue;
            ended.set(change.doc.id, { status, code: change.doc.get("error.code") as string | undefined });
            firstEndedAt ??= performance.now();
          }
          if (ended.size < count) return;
          clearTimeout(timer);
          unsubscribe();
          const failedCodes: Record<string, number> = {};
          for (const e of ended.values())
            if (e.status !== "success") failedCodes[e.code ?? e.status] = (failedCodes[e.code ?? e.status] ?? 0) + 1;
          resolve({ firstEndedAt: firstEndedAt!, failedCodes });
        },
        (error) => {
          clearTimeout(timer);
          reject(new Error(`listening to batch ${batchId}'s jobs failed: ${error.message}`));
        },
      );
  });
}
