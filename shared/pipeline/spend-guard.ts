// The budgets a task's run is held to: its job's budget_usd (per run), its batch's budget_usd (all the batch's runs
// together) and its owner's daily ceiling (DAILY_SPEND_CEILING_USD). What has been spent is summed with Firestore's
// sum() aggregation over a ledger, `spend/`, in which every task attempt keeps one document: the cost of its priced
// steps so far, rewritten after each step. Why a ledger of per-attempt documents and not the outputs' costs or one
// spend document per budget:
// - outputs/ (and the jobs' cost) are written when a task ends, so a long task's calls would be invisible to every
//   other run until it ends: a batch could overshoot by every call of every running task;
// - one document per budget, incremented after each call, is one document written by every call of a whole batch
//   (Firestore sustains about one write a second on a document), and a transaction on it would queue them all;
// - here each document has one writer (its attempt, one step at a time), and a check sees every step that ended and
//   was recorded anywhere, so a budget can be passed by at most the calls in flight when it was reached.
import { AggregateField, FieldValue, type DocumentData, type Firestore, type Query } from "firebase-admin/firestore";
import type { SpendGuard } from "../engine/engine-options";
import { addCost, ZERO_COST, type Cost } from "../engine/run-record";
import { COLLECTIONS } from "../collections";
import type { TaskEnvelope } from "./task-document";

export interface SpendScopes {
  job?: { jobId: string; runId: string; budgetUsd: number };
  batch?: { batchId: string; budgetUsd: number };
  daily?: { ownerUid: string; day: string; ceilingUsd: number };
}
export type Spent = { [K in keyof SpendScopes]?: number };

/** The budgets that apply to a task of `job` (as the claim read it) owned by the envelope's owner; {} when none. */
export function spendScopes(envelope: TaskEnvelope, job: DocumentData | undefined, dailyCeilingUsd: number, now: number): SpendScopes {
  const scopes: SpendScopes = {};
  const jobBudget: unknown = job?.budget_usd;
  if (envelope.job_id && envelope.run_id && typeof jobBudget === "number" && jobBudget > 0)
    scopes.job = { jobId: envelope.job_id, runId: envelope.run_id, budgetUsd: jobBudget };
  const batchBudget: unknown = job?.batch_budget_usd;
  if (typeof job?.batch_id === "string" && typeof batchBudget === "number" && batchBudget > 0)
    scopes.batch = { batchId: job.batch_id, budgetUsd: batchBudget };
  if (envelope.owner_uid && dailyCeilingUsd > 0)
    scopes.daily = { ownerUid: envelope.owner_uid, day: utcDay(now), ceilingUsd: dailyCeilingUsd };
  return scopes;
}

export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** A guard recording into spend/{ledgerId} and checking `scopes`; undefined when no budget applies (nothing to do). */
export function createSpendGuard(
  db: Firestore,
  ledger: { id: string; taskDocId: string; attempt: number; ownerUid?: string | undefined },
  scopes: SpendScopes,
): SpendGuard | undefined {
  if (!scopes.job && !scopes.batch && !scopes.daily) return undefined;
  const ref = db.collection(COLLECTIONS.spend).doc(ledger.id);
  let spentHere: Cost = ZERO_COST;
  return {
    beforeModelCall: async () => budgetRefusal(scopes, await readSpent(db, scopes)),
    recordStep: async (cost) => {
      spentHere = addCost(spentHere, cost);
      await ref.set({
        task_doc_id: ledger.taskDocId,
        attempt: ledger.attempt,
        ...(scopes.job ? { job_id: scopes.job.jobId, run_id: scopes.job.runId } : {}),
        ...(scopes.batch ? { batch_id: scopes.batch.batchId } : {}),
        ...(ledger.ownerUid ? { owner_uid: ledger.ownerUid } : {}),
        ...(scopes.daily ? { day: scopes.daily.day } : {}),
        usd: spentHere.usd,
        unpriced_tokens: spentHere.unpriced_tokens,
        updated_at: FieldValue.serverTimestamp(),
      });
    },
  };
}

/** One sum() per budget that applies, at once. */
async function readSpent(db: Firestore, scopes: SpendScopes): Promise<Spent> {
  const spend = db.collection(COLLECTIONS.spend);
  const sum = async (query: Query) => Number((await query.aggregate({ usd: AggregateField.sum("usd") }).get()).data().usd ?? 0);
  const [job, batch, daily] = await Promise.all([
    scopes.job && sum(spend.where("job_id", "==", scopes.job.jobId).where("run_id", "==", scopes.job.runId)),
    scopes.batch && sum(spend.where("batch_id", "==", scopes.batch.batchId)),
    scopes.daily && sum(spend.where("owner_uid", "==", scopes.daily.ownerUid).where("day", "==", scopes.daily.day)),
  ]);
  return { ...(job !== undefined ? { job } : {}), ...(batch !== undefined ? { batch } : {}), ...(daily !== undefined ? { daily } : {}) };
}

/** Pure: the first budget that is spent, as a message saying which, spent against limit, and what to do; else undefined. */
export function budgetRefusal(scopes: SpendScopes, spent: Spent): string | undefined {
  const notSent = "so this model call was not made";
  if (scopes.job && (spent.job ?? 0) >= scopes.job.budgetUsd) {
    const { jobId, runId, budgetUsd } = scopes.job;
    return `the job's budget is spent: run ${runId} of job ${jobId} has spent ${usd(spent.job)} of its budget_usd of ${usd(budgetUsd)}, ${notSent}; start the job again with a larger budget_usd (or none) to go on`;
  }
  if (scopes.batch && (spent.batch ?? 0) >= scopes.batch.budgetUsd) {
    const { batchId, budgetUsd } = scopes.batch;
    return `the batch's budget is spent: the runs of batch ${batchId} have spent ${usd(spent.batch)} of its budget_usd of ${usd(budgetUsd)}, ${notSent}; submit the rows still to do as a new batch with a larger budget_usd`;
  }
  if (scopes.daily && (spent.daily ?? 0) >= scopes.daily.ceilingUsd) {
    const { day, ceilingUsd } = scopes.daily;
    return `your daily ceiling is reached: your runs have spent ${usd(spent.daily)} on ${day} (UTC) of the ${usd(ceilingUsd)} a user may spend a day (DAILY_SPEND_CEILING_USD), ${notSent}; start the job again after 00:00 UTC, or ask the project's operator to raise the ceiling`;
  }
  return undefined;
}

/** $12.50, $0.00123: cents for amounts of a dollar or more, three significant digits below. */
export function usd(amount = 0): string {
  return `$${amount >= 1 || amount === 0 ? amount.toFixed(2) : amount.toPrecision(3)}`;
}
