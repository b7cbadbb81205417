// What one dispatch of the admission queue does: creates one run's job (`queued`, which the startJob trigger starts),
// or starts a failed run again; never for a batch that was cancelled, and not while the batch's owner already has their
// limit of runs in flight (the run is deferred: dispatch-row.ts puts it back in the queue).
import { FieldValue, type DocumentData, type Firestore, type Transaction } from "firebase-admin/firestore";
import { formatPath } from "../config/config-issue";
import { COLLECTIONS } from "../collections";
import type { PipelineDeps } from "../pipeline/pipeline-deps";
import { countRunsInFlight } from "../pipeline/runs-in-flight";
import { startJobRun } from "../pipeline/start-job-run";
import {
  BatchDocumentSchema,
  RowDispatchSchema,
  type AdmitDispatch,
  type BatchDocument,
  type RetryDispatch,
  type RowDispatch,
} from "./batch-schema";
import { refusedRunJobId } from "./batch-ids";
import { decodeDispatch } from "./dispatch-wire";
import { buildRunJob } from "./run-job";

export type AdmitOutcome =
  | { kind: "admitted" | "exists" | "restarted"; jobId: string }
  /** The run's id was held by a job that is not this run: the run ended failed under `jobId`, saying `reason`. */
  | { kind: "refused"; jobId: string; reason: string }
  | { kind: "skipped"; reason: string }
  /** A payload no retry could fix: acknowledged, logged, never thrown (a throw would be redelivered for nothing). */
  | { kind: "invalid"; reason: string }
  /** The owner has `active` runs in flight, at their `limit`: nothing was written; the dispatch must come again later. */
  | { kind: "deferred"; jobId: string; ownerUid: string; active: number; limit: number; dispatch: RowDispatch };

export type AdmitDeps = Pick<PipelineDeps, "db" | "validation" | "now"> & {
  /** Runs one owner may have `queued` or `running` (LIMITS.runningJobsPerUser); their further rows wait. */
  maxRunsInFlight: number;
};
type Deferred = Extract<AdmitOutcome, { kind: "deferred" }>;

/** Throws only when Firestore itself failed, so that the queue's retry policy redelivers the dispatch. */
export async function admitRow(deps: AdmitDeps, data: unknown): Promise<AdmitOutcome> {
  const parsed = RowDispatchSchema.safeParse(decodeDispatch(data));
  if (!parsed.success) {
    const reason = parsed.error.issues.map((i) => `${formatPath(i.path) || "(payload)"}: ${i.message}`).join("; ");
    return { kind: "invalid", reason: `not a batch row dispatch: ${reason}` };
  }
  const dispatch = parsed.data;
  if (dispatch.kind === "admit") return admitRun(deps, dispatch);
  let deferred: Deferred | undefined;
  const started = await startJobRun(deps, dispatch.job_id, {
    // The retry marked the job pending before it enqueued this dispatch, so that the batch does not read as ended meanwhile.
    fromStatuses: ["pending"],
    precondition: async (tx) => {
      deferred = undefined; // the transaction may run again: only its last run decides
      const batch = (await tx.get(deps.db.collection(COLLECTIONS.batches).doc(dispatch.batch_id))).data();
      const stopped = batchStopped(batch?.status, dispatch.batch_id) ?? (await whyNotRetried(tx, deps.db, dispatch, batch?.owner_uid));
      if (stopped) return stopped;
      deferred = await ownerAtLimit(deps, tx, batch?.owner_uid, dispatch.job_id, dispatch);
      return deferred ? "deferred" : undefined;
    },
  });
  if (deferred && started.kind === "not_started") return deferred;
  return started.kind === "started"
    ? { kind: "restarted", jobId: dispatch.job_id }
    : { kind: "skipped", reason: started.kind === "invalid" ? "the job is invalid" : started.reason };
}

/**
 * Counted in the transaction that would create or start the run, so that the count and the write decide together;
 * a batch without an owner (submitted from the command line by the project's operator) has no per-user limit.
 */
async function ownerAtLimit(
  deps: AdmitDeps,
  tx: Transaction,
  ownerUid: unknown,
  jobId: string,
  dispatch: RowDispatch,
): Promise<Deferred | undefined> {
  if (typeof ownerUid !== "string") return undefined;
  const active = await countRunsInFlight(deps.db, ownerUid, tx);
  if (active < deps.maxRunsInFlight) return undefined;
  return { kind: "deferred", jobId, ownerUid, active, limit: deps.maxRunsInFlight, dispatch };
}

/**
 * Reads the batch in the transaction that creates the job: a cancel (which writes the batch) either commits first,
 * and this run is never admitted, or after, and then finds the job and cancels it.
 */
async function admitRun(deps: AdmitDeps, dispatch: AdmitDispatch): Promise<AdmitOutcome> {
  const { db } = deps;
  return db.runTransaction(async (tx): Promise<AdmitOutcome> => {
    const snap = await tx.get(db.collection(COLLECTIONS.batches).doc(dispatch.batch_id));
    if (!snap.exists) return { kind: "skipped", reason: `no document batches/${dispatch.batch_id}` };
    if (snap.get("status") === "cancelled") return { kind: "skipped", reason: `batch ${dispatch.batch_id} was cancelled` };
    const batch = BatchDocumentSchema.pick({ batch_id: true, job: true, owner_uid: true, budget_usd: true }).safeParse(snap.data());
    if (!batch.success)
      return { kind: "invalid", reason: `batches/${dispatch.batch_id} is not a batch document: ${batch.error.issues[0]?.message}` };
    const { jobId, doc } = buildRunJob(batch.data, dispatch);
    const jobRef = db.collection(COLLECTIONS.jobs).doc(jobId);
    const existing = await tx.get(jobRef);
    if (existing.exists) {
      // A duplicate dispatch (Cloud Tasks delivers at least once) finds the job made by the first; any other job
      // holding the id is not this run, and taking it for one would leave the row never run and the batch never ended.
      const taken = whyNotThisRun(existing.data(), batch.data);
      return taken ? refuseRun(tx, db, batch.data, { jobId, doc }, taken) : { kind: "exists", jobId };
    }
    const deferred = await ownerAtLimit(deps, tx, batch.data.owner_uid, jobId, dispatch);
    if (deferred) return deferred;
    tx.create(jobRef, doc);
    return { kind: "admitted", jobId };
  });
}

function batchStopped(status: unknown, batchId: string): string | undefined {
  return status === "cancelled" ? `batch ${batchId} was cancelled` : status === undefined ? `no document batches/${batchId}` : undefined;
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
async function whyNotRetried(tx: Transaction, db: Firestore, dispatch: RetryDispatch, owner: unknown): Promise<string | undefined> {
  const taken = whyNotThisRun((await tx.get(db.collection(COLLECTIONS.jobs).doc(dispatch.job_id))).data(), {
    batch_id: dispatch.batch_id,
    ...(typeof owner === "string" ? { owner_uid: owner } : {}),
  });
  return taken ? `jobs/${dispatch.job_id} is not a run of batch ${dispatch.batch_id}: ${taken}` : undefined;
}
