// Pages through a batch's run jobs by document id (row order), so that no caller holds more than one page at once.
import type { DocumentSnapshot, Firestore, Query } from "firebase-admin/firestore";
import { COLLECTIONS } from "../collections";

export const PAGE_SIZE = 200;

/** Jobs of the batch, optionally only those in `statuses`, one page of snapshots at a time. */
export async function* batchJobPages(
  db: Firestore,
  batchId: string,
  statuses?: readonly string[],
  pageSize = PAGE_SIZE,
): AsyncGenerator<DocumentSnapshot[]> {
  let query: Query = db.collection(COLLECTIONS.jobs).where("batch_id", "==", batchId);
  if (statuses) query = query.where("status", "in", [...statuses]);
  query = query.orderBy("__name__");
  for (let after: DocumentSnapshot | undefined; ;) {
    const page = await (after ? query.startAfter(after) : query).limit(pageSize).get();
    if (page.docs.length) yield page.docs;
    if (page.size < pageSize) return;
    after = page.docs[page.docs.length - 1];
  }
}

/** Runs `work` on every item, at most `concurrency` at once. */
export async function forEachLimited<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) await work(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
