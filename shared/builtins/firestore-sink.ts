// A DocumentSink that writes to Firestore through firebase-admin (cloud and emulator).
import type { Firestore } from "firebase-admin/firestore";
import { RowOwnerConflict, type DocumentSink, type RowHolder } from "./builtin-function";

export function createFirestoreSink(db: Firestore): DocumentSink {
  const host = process.env.FIRESTORE_EMULATOR_HOST;
  return {
    description: host
      ? `the Firestore emulator at ${host}`
      : `Firestore (project ${process.env.GCLOUD_PROJECT ?? process.env.GOOGLE_CLOUD_PROJECT ?? "default"})`,
    async write(collection, documentId, data, owner) {
      const ref = db.collection(collection).doc(documentId);
      const location = `${collection}/${documentId}`;
      // Read and write in one transaction: a row another owner writes meanwhile is seen, never overwritten.
      await db.runTransaction(async (tx) => {
        const held = await tx.get(ref);
        const heldBy = held.exists ? otherHolder(held.get("owner_uid"), owner) : undefined;
        if (heldBy) throw new RowOwnerConflict(location, heldBy);
        tx.set(ref, data);
      });
      return location;
    },
  };
}

/** Who else holds an existing row, or undefined when it is the writer's own (the same owner, or both none). */
function otherHolder(heldOwner: unknown, writer: string | undefined): RowHolder | undefined {
  const held = typeof heldOwner === "string" ? heldOwner : undefined;
  if (held === writer) return undefined;
  if (held === undefined) return "no owner";
  return writer === undefined ? "a user" : "another user";
}
