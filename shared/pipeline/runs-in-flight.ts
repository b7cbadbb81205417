// A user's runs in flight: their jobs `queued` or `running`, whether submitted one by one (submitJob) or admitted as a
// batch's rows. One count() aggregation over the jobs(owner_uid, status) index, never a counter document: a counter
// would be one more write on every start and end of every run, on a document one user's batch would make hot.
import type { Firestore, Transaction } from "firebase-admin/firestore";
import { COLLECTIONS } from "../collections";

/** Job statuses that hold a place in the user's limit: waiting to start, or running. (`pending` waits in the queue.) */
export const ACTIVE_JOB_STATUSES = ["queued", "running"] as const;

/** How many runs `uid` has in flight; in `tx` when given, so that the count and a create decide together. */
export async function countRunsInFlight(db: Firestore, uid: string, tx?: Transaction): Promise<number> {
  const query = db
    .collection(COLLECTIONS.jobs)
    .where("owner_uid", "==", uid)
    .where("status", "in", [...ACTIVE_JOB_STATUSES])
    .count();
  const snap = tx ? await tx.get(query) : await query.get();
  return snap.data().count;
}
