// A DocumentSink that writes to Firestore through firebase-admin (cloud and emulator).
import type { Firestore } from "firebase-admin/firestore";
import type { DocumentSink } from "./builtin-function";

export function createFirestoreSink(db: Firestore): DocumentSink {
  const host = process.env.FIRESTORE_EMULATOR_HOST;
  return {
    description: host
      ? `the Firestore emulator at ${host}`
      : `Firestore (project ${process.env.GCLOUD_PROJECT ?? process.env.GOOGLE_CLOUD_PROJECT ?? "default"})`,
    async write(collection, documentId, data) {
      await db.collection(collection).doc(documentId).set(data);
      return `${collection}/${documentId}`;
    },
  };
}
