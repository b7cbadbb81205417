// Firestore writes as data: the pipeline's decisions return them, and one small function applies them.
import type { DocumentData, Firestore, Precondition, Timestamp, Transaction, WriteBatch } from "firebase-admin/firestore";

export type Write =
  | { op: "create"; path: string; data: DocumentData } // fails when the document exists: the exactly-once guard
  | { op: "set"; path: string; data: DocumentData }
  | { op: "update"; path: string; data: DocumentData };

/**
 * Adds the writes to a transaction or a batch. `unchangedSince` maps a document path to the update time it must
 * still have (a batch has no reads, so this is how it knows nothing moved since the claim and the job read).
 */
export function addWrites(
  db: Firestore,
  writer: Transaction | WriteBatch,
  writes: readonly Write[],
  unchangedSince: ReadonlyMap<string, Timestamp> = new Map(),
): void {
  for (const write of writes) {
    const ref = db.doc(write.path);
    // Transaction and WriteBatch take the same arguments; TypeScript sees two unrelated overload sets.
    const w = writer as WriteBatch;
    if (write.op === "create") w.create(ref, write.data);
    else if (write.op === "set") w.set(ref, write.data);
    else {
      const time = unchangedSince.get(write.path);
      const precondition: Precondition = time ? { lastUpdateTime: time } : {};
      w.update(ref, write.data, precondition);
    }
  }
}

/** `{ [key]: value }` when the value is defined, else nothing: for optional fields spread into a document. */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
