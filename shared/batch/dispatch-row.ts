// One dispatch of the admission queue, whole: admit the run (admit-row.ts), or, when its owner has their limit of runs
// in flight, put it back in the queue to come again later, and acknowledge this one. A deferred row is never lost and
// never fails: it waits, then runs, while other users' rows keep being admitted.
import { COLLECTIONS } from "../collections";
import { queueTaskId } from "./batch-ids";
import { admitRow, type AdmitDeps, type AdmitOutcome } from "./admit-row";
import type { Enqueue } from "./task-queue";

export type DispatchOutcome =
  Exclude<AdmitOutcome, { kind: "deferred" }> | (Extract<AdmitOutcome, { kind: "deferred" }> & { delaySeconds: number; taskId: string });

export interface DispatchDeps extends AdmitDeps {
  enqueue: Enqueue;
  /** The queue's rows per second (BATCH_MAX_DISPATCHES_PER_SECOND): deferred rows come back at a fifth of it. */
  dispatchesPerSecond: number;
  random?: () => number;
}

/** The shortest and longest wait of a deferred row before it is dispatched again. */
export const MIN_DEFER_SECONDS = 10;
export const MAX_DEFER_SECONDS = 6 * 3600;
/** The share of the queue's pace that one batch's deferred rows may take when they come back. */
export const DEFERRED_SHARE = 0.2;

/**
 * Throws only when Firestore or the queue failed, so that Cloud Tasks delivers this dispatch again; the deferred
 * dispatch's task id is derived from the run and its deferral count, so a second delivery enqueues nothing twice.
 */
export async function dispatchRow(deps: DispatchDeps, data: unknown): Promise<DispatchOutcome> {
  const outcome = await admitRow(deps, data);
  if (outcome.kind !== "deferred") return outcome;
  const deferrals = (outcome.dispatch.deferrals ?? 0) + 1;
  const waiting = await runsWaiting(deps, outcome.dispatch.batch_id);
  const delaySeconds = deferDelaySeconds(waiting, deps.dispatchesPerSecond, deps.random ?? Math.random);
  const taskId = queueTaskId(outcome.jobId, `${outcome.dispatch.kind}-defer${deferrals}`);
  await deps.enqueue({ ...outcome.dispatch, deferrals }, taskId, { delaySeconds });
  return { ...outcome, delaySeconds, taskId };
}

/** The batch's runs still to be admitted: not yet a job, or a job marked for a retry (`pending`). */
async function runsWaiting(deps: DispatchDeps, batchId: string): Promise<number> {
  const jobs = deps.db.collection(COLLECTIONS.jobs).where("batch_id", "==", batchId);
  const [batch, existing, pending] = await Promise.all([
    deps.db.collection(COLLECTIONS.batches).doc(batchId).get(),
    jobs.count().get(),
    jobs.where("status", "==", "pending").count().get(),
  ]);
  const total = Number(batch.get("runs_total") ?? 0);
  return Math.max(1, total - existing.data().count + pending.data().count);
}

/**
 * Spreads a batch's waiting rows over time so that, coming back, they take about a fifth of the queue's pace: the other
 * four fifths stay free for other users' rows, and each of the owner's slots that frees up is taken again within
 * seconds. Jittered (x0.5 to x1.5) so that rows deferred together do not come back together.
 */
export function deferDelaySeconds(waiting: number, dispatchesPerSecond: number, random: () => number): number {
  const spread = waiting / Math.max(0.001, dispatchesPerSecond * DEFERRED_SHARE);
  const base = Math.min(MAX_DEFER_SECONDS, Math.max(MIN_DEFER_SECONDS, spread));
  return Math.round(base * (0.5 + random()));
}
