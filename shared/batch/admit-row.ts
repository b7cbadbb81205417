// What one dispatch of the admission queue does: creates one run's job (`queued`, which the startJob trigger starts),
// or starts a failed run again; never for a batch that was cancelled.
import type { Firestore, Transaction } from "firebase-admin/firestore";
import { formatPath } from "../config/config-issue";
import { COLLECTIONS } from "../collections";
import type { PipelineDeps } from "../pipeline/pipeline-deps";
import { startJobRun } from "../pipeline/start-job-run";
import { BatchDocumentSchema, RowDispatchSchema, type AdmitDispatch } from "./batch-schema";
import { decodeDispatch } from "./dispatch-wire";
import { buildRunJob } from "./run-job";

export type AdmitOutcome =
  | { kind: "admitted" | "exists" | "restarted"; jobId: string }
  | { kind: "skipped"; reason: string }
  /** A payload no retry could fix: acknowledged, logged, never thrown (a throw would be redelivered for nothing). */
  | { kind: "invalid"; reason: string };

type Deps = Pick<PipelineDeps, "db" | "validation" | "now">;

/** Throws only when Firestore itself failed, so that the queue's retry policy redelivers the dispatch. */
export async function admitRow(deps: Deps, data: unknown): Promise<AdmitOutcome> {
  const parsed = RowDispatchSchema.safeParse(decodeDispatch(data));
  if (!parsed.success) {
    const reason = parsed.error.issues.map((i) => `${formatPath(i.path) || "(payload)"}: ${i.message}`).join("; ");
    return { kind: "invalid", reason: `not a batch row dispatch: ${reason}` };
  }
  const dispatch = parsed.data;
  if (dispatch.kind === "admit") return admitRun(deps.db, dispatch);
  const started = await startJobRun(deps, dispatch.job_id, {
    // The retry marked the job pending before it enqueued this dispatch, so that the batch does not read as ended meanwhile.
    fromStatuses: ["pending"],
    precondition: async (tx) => batchStopped(tx, deps.db, dispatch.batch_id),
  });
  return started.kind === "started"
    ? { kind: "restarted", jobId: dispatch.job_id }
    : { kind: "skipped", reason: started.kind === "invalid" ? "the job is invalid" : started.reason };
}

/**
 * Reads the batch in the transaction that creates the job: a cancel (which writes the batch) either commits first,
 * and this run is never admitted, or after, and then finds the job and cancels it.
 */
async function admitRun(db: Firestore, dispatch: AdmitDispatch): Promise<AdmitOutcome> {
  return db.runTransaction(async (tx): Promise<AdmitOutcome> => {
    const snap = await tx.get(db.collection(COLLECTIONS.batches).doc(dispatch.batch_id));
    if (!snap.exists) return { kind: "skipped", reason: `no document batches/${dispatch.batch_id}` };
    if (snap.get("status") === "cancelled") return { kind: "skipped", reason: `batch ${dispatch.batch_id} was cancelled` };
    const batch = BatchDocumentSchema.pick({ batch_id: true, job: true, owner_uid: true }).safeParse(snap.data());
    if (!batch.success)
      return { kind: "invalid", reason: `batches/${dispatch.batch_id} is not a batch document: ${batch.error.issues[0]?.message}` };
    const { jobId, doc } = buildRunJob(batch.data, dispatch);
    const jobRef = db.collection(COLLECTIONS.jobs).doc(jobId);
    // A duplicate dispatch (Cloud Tasks delivers at least once) finds the job made by the first.
    if ((await tx.get(jobRef)).exists) return { kind: "exists", jobId };
    tx.create(jobRef, doc);
    return { kind: "admitted", jobId };
  });
}

async function batchStopped(tx: Transaction, db: Firestore, batchId: string): Promise<string | undefined> {
  const status: unknown = (await tx.get(db.collection(COLLECTIONS.batches).doc(batchId))).get("status");
  return status === "cancelled" ? `batch ${batchId} was cancelled` : status === undefined ? `no document batches/${batchId}` : undefined;
}
