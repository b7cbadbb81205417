// Resolves when a document satisfies a condition, by listening to it rather than polling the emulator.
import type { DocumentData, Firestore } from "firebase-admin/firestore";

export function waitForDoc(db: Firestore, path: string, done: (data: DocumentData) => boolean, timeoutMs: number): Promise<DocumentData> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`${path} did not reach its end state within ${Math.round(timeoutMs / 1000)} s; see the emulator log`));
    }, timeoutMs);
    const unsubscribe = db.doc(path).onSnapshot(
      (snap) => {
        const data = snap.data();
        if (data && done(data)) {
          clearTimeout(timer);
          unsubscribe?.();
          resolve(data);
        }
      },
      (error) => {
        clearTimeout(timer);
        reject(new Error(`listening to ${path} failed: ${error.message}`));
      },
    );
  });
}
