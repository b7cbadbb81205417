// Final outputs too large for their job document (the job holds `output_payload_ref`): each read once, from the output
// document the reference names, which the rules let the job's owner read. `npm run export` reads them the same way.
import { doc, getDoc, type Firestore } from "firebase/firestore";
import { strings } from "./records";

export interface ReferencedOutputs {
  /** The output read for `ref`; undefined until it is read (or when it could not be). */
  get(ref: string | undefined): Record<string, string> | undefined;
  /** Why `ref` could not be read, if it could not. */
  failure(ref: string | undefined): string | undefined;
  /** Starts reading the references not asked for yet; `onRead` is called as each one ends. */
  request(refs: Iterable<string | undefined>): void;
}

export function createReferencedOutputs(db: Firestore, onRead: () => void): ReferencedOutputs {
  const read = new Map<string, Record<string, string>>();
  const failed = new Map<string, string>();
  const asked = new Set<string>();
  return {
    get: (ref) => (ref ? read.get(ref) : undefined),
    failure: (ref) => (ref ? failed.get(ref) : undefined),
    request(refs) {
      for (const ref of refs) {
        if (!ref || asked.has(ref)) continue;
        asked.add(ref);
        getDoc(doc(db, ref))
          .then(
            (snap) => read.set(ref, strings(snap.get("output_payload"))),
            (error: Error) => failed.set(ref, `Could not read ${ref}: ${error.message}`),
          )
          .finally(onRead);
      }
    },
  };
}
