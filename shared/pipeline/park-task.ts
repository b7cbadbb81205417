// Provider batch mode (docs/provider-batch.md): a run that stopped at a model call whose answer is not stored yet parks
// its task on the call's batch_requests/{key} document, to be resumed when the collector has the answer.
import { FieldValue, Timestamp, type DocumentData, type Transaction } from "firebase-admin/firestore";
import { COLLECTIONS } from "../collections";
import type { RunError, TaskRecord, WaitingCall } from "../engine/run-record";
import { millisOf } from "./document-fields";
import { finishTask, type FinishInput } from "./finish-task";
import type { PipelineDeps } from "./pipeline-deps";

/** What the park decided: parked (and resumed at once when the answer came meanwhile), or the request's failure. */
export type ParkDecision = { kind: "parked"; resumeNow: boolean } | { kind: "failed"; error: RunError } | { kind: "lost"; reason: string };

export interface ParkInput {
  taskDocId: string;
  claimId: string;
  ownerUid: string | undefined;
  record: TaskRecord & { waiting: WaitingCall };
  /** The run's start, and whether its job takes any stored answer: an answer or a failure from before it is not this run's. */
  runStartedAt: number;
  cache: boolean;
}

/** In one transaction: the task, still under this claim, becomes `waiting`, and the request is created or joined. */
export async function parkTask(deps: Pick<PipelineDeps, "db" | "now">, input: ParkInput): Promise<ParkDecision> {
  const { db } = deps;
  const taskRef = db.collection(COLLECTIONS.tasks).doc(input.taskDocId);
  const requestRef = db.collection(COLLECTIONS.batchRequests).doc(input.record.waiting.key);
  return db.runTransaction(async (tx) => {
    const [task, request] = await Promise.all([tx.get(taskRef), tx.get(requestRef)]);
    if (task.get("status") !== "running" || task.get("claim_id") !== input.claimId)
      return { kind: "lost", reason: "the task's claim was taken over while it ran" };
    const now = (deps.now ?? Date.now)();
    const decided = decidePark(request.data(), input);
    if (decided.kind === "failed") return decided;
    tx.update(taskRef, {
      status: "waiting",
      waiting_for: input.record.waiting.key,
      waiting_since: Timestamp.fromMillis(now),
      lease_expires_at: FieldValue.delete(),
    });
    writeRequest(tx, requestRef, request.exists && !decided.requeue, input, now);
    return { kind: "parked", resumeNow: decided.resumeNow };
  });
}

/** What an existing request means for this run. Pure. */
export function decidePark(
  request: DocumentData | undefined,
  input: Pick<ParkInput, "runStartedAt" | "cache">,
): { kind: "park"; requeue: boolean; resumeNow: boolean } | { kind: "failed"; error: RunError } {
  const state: unknown = request?.state;
  // An answer or a failure from before the run started is not this run's to take, unless its job takes stored answers.
  const current = input.cache || (millisOf(request?.updated_at) ?? 0) >= input.runStartedAt;
  if (state === "failed" && current) return { kind: "failed", error: requestError(request!) };
  if (state === "answered" && current) return { kind: "park", requeue: false, resumeNow: true };
  const ended = state === "answered" || state === "failed";
  return { kind: "park", requeue: ended, resumeNow: false };
}

function requestError(request: DocumentData): RunError {
  const error = (request.error ?? {}) as Partial<RunError>;
  return {
    code: error.code ?? "model_error",
    message: `the vendor's batch API did not answer this call: ${error.message ?? "no reason given"}`,
    ...(typeof error.status === "number" ? { status: error.status } : {}),
    retryable: false,
  };
}

/** Joins an open request, or writes it anew (new, or an ended one from before this run asked again). */
function writeRequest(tx: Transaction, ref: FirebaseFirestore.DocumentReference, join: boolean, input: ParkInput, now: number): void {
  const at = Timestamp.fromMillis(now);
  if (join) {
    tx.update(ref, { waiters: FieldValue.arrayUnion(input.taskDocId), updated_at: at });
    return;
  }
  const { key, provider, model, route, request } = input.record.waiting;
  tx.set(ref, {
    key,
    state: "queued",
    owner_uid: input.ownerUid ?? null,
    provider,
    model,
    route,
    request,
    waiters: [input.taskDocId],
    submissions: 0,
    created_at: at,
    queued_at: at,
    updated_at: at,
  });
}

/** The outcome of a run that ended waiting: parked, or finished failed when it cannot wait. */
export type ParkOutcome = { kind: "waiting"; key: string } | Awaited<ReturnType<typeof finishTask>>;

/**
 * Parks the task, then has the collector poll (and resumes the task at once if its answer came meanwhile); a request
 * that failed, or a pipeline that has no collector, ends the task failed with the run's steps so far.
 */
export async function parkRun(
  deps: PipelineDeps,
  finish: Omit<FinishInput, "record" | "error">,
  input: Omit<ParkInput, "taskDocId" | "claimId">,
): Promise<ParkOutcome> {
  const key = input.record.waiting.key;
  const failWith = (error: RunError) => {
    const { waiting: _waiting, ...steps } = input.record;
    const error_ = { ...error, step_id: input.record.waiting.step_id };
    return finishTask(deps, { ...finish, record: { ...steps, status: "failed", error: error_ } });
  };
  const driver = deps.providerBatch;
  if (!driver) {
    const message =
      'provider batch mode needs the deployed functions\' pollProviderBatches and resumeTask queues, which this pipeline does not have; run the job through the functions (or the emulators), or use "execution": "synchronous"';
    return failWith({ code: "config_error", message, retryable: false });
  }
  const decided = await parkTask(deps, { ...input, taskDocId: finish.taskDocId, claimId: finish.claimId ?? "" });
  if (decided.kind === "lost") return decided;
  if (decided.kind === "failed") return failWith(decided.error);
  await driver.schedulePoll();
  if (decided.resumeNow) await driver.resume(finish.taskDocId, key);
  return { kind: "waiting", key };
}
