// What one dispatch of the admission queue does: creates one run's job (`queued`, which the startJob trigger starts),
// or starts a failed run again; never for a batch that was cancelled.
import { FieldValue, type DocumentData, type Firestore, type Transaction } from "firebase-admin/firestore";
import { formatPath } from "../config/config-issue";
import { COLLECTIONS } from "../collections";
import type { PipelineDeps } from "../pipeline/pipeline-deps";
import { startJobRun } from "../pipeline/start-job-run";
import { BatchDocumentSchema, RowDispatchSchema, type AdmitDispatch, type BatchDocument, type RetryDispatch } from "./batch-schema";
import { refusedRunJobId } from "./batch-ids";
import { decodeDispatch } from "./dispatch-wire";
import { buildRunJob } from "./run-job";

export type AdmitOutcome =
  | { kind: "admitted" | "exists" | "restarted"; jobId: string }
  /** The run's id was held by a job that is not this run: the run ended failed under `jobId`, saying `reason`. */
  | { kind: "refused"; jobId: string; reason: string }
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
    precondition: async (tx) => whyNotRetried(tx, deps.db, dispatch),
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
    const existing = await tx.get(jobRef);
    if (!existing.exists) {
      tx.create(jobRef, doc);
      return { kind: "admitted", jobId };
    }
    // A duplicate dispatch (Cloud Tasks delivers at least once) finds the job made by the first; any other job
    // holding the id is not this run, and taking it for one would leave the row never run and the batch never ended.
    const taken = whyNotThisRun(existing.data(), batch.data);
    return taken ? refuseRun(tx, db, batch.data, { jobId, doc }, taken) : { kind: "exists", jobId };
  });
}

type BatchOwner = Pick<BatchDocument, "batch_id" | "owner_uid">;

/** Why the job found at one of the batch's run ids is not that run, or undefined when it is (same batch, same owner). */
export function whyNotThisRun(job: DocumentData | undefined, batch: BatchOwner): string | undefined {
  if (job?.batch_id !== batch.batch_id)
    return typeof job?.batch_id === "string" ? `it is a run of batch ${JSON.stringify(job.batch_id)}` : "it belongs to no batch";
  const owner: unknown = job.owner_uid;
  if (owner === batch.owner_uid) return undefined;
  return owner === undefined ? "it has no owner" : "it belongs to another user";
}

/**
 * Ends the run failed under refusedRunJobId, saying why, so that the batch still counts the row and ends. The job
 * there is the run's own (its config, inputs and owner): retrying the batch runs it under that id.
 */
async function refuseRun(
  tx: Transaction,
  db: Firestore,
  batch: BatchOwner,
  run: { jobId: string; doc: DocumentData },
  why: string,
): Promise<AdmitOutcome> {
  const jobId = refusedRunJobId(run.jobId);
  const reason =
    `jobs/${run.jobId} was already taken by a job that is not this run (${why}), so the row did not run: ` +
    `retry the batch to run it as jobs/${jobId}, or submit the batch under another batch_id`;
  const ref = db.collection(COLLECTIONS.jobs).doc(jobId);
  const held = await tx.get(ref);
  if (held.exists) {
    if (!whyNotThisRun(held.data(), batch)) return { kind: "refused", jobId, reason };
    return { kind: "invalid", reason: `${reason}; jobs/${jobId}, where the row would have ended failed, is taken too` };
  }
  const now = FieldValue.serverTimestamp();
  const error = { code: "conflict", message: reason, retryable: false };
  tx.create(ref, { ...run.doc, job_id: jobId, status: "failed", error, finished_at: now, updated_at: now });
  return { kind: "refused", jobId, reason };
}

/** A retry starts only a job of this batch, as its owner's: never a job that merely sits at a run's id. */
async function whyNotRetried(tx: Transaction, db: Firestore, dispatch: RetryDispatch): Promise<string | undefined> {
  const batch = await tx.get(db.collection(COLLECTIONS.batches).doc(dispatch.batch_id));
  const status: unknown = batch.get("status");
  if (status === undefined) return `no document batches/${dispatch.batch_id}`;
  if (status === "cancelled") return `batch ${dispatch.batch_id} was cancelled`;
  const owner: unknown = batch.get("owner_uid");
  const taken = whyNotThisRun((await tx.get(db.collection(COLLECTIONS.jobs).doc(dispatch.job_id))).data(), {
    batch_id: dispatch.batch_id,
    ...(typeof owner === "string" ? { owner_uid: owner } : {}),
  });
  return taken ? `jobs/${dispatch.job_id} is not a run of batch ${dispatch.batch_id}: ${taken}` : undefined;
}
