// Ends a task in one commit (output, task status, successor, job progress), exactly once per attempt.
import type { DocumentData, Timestamp } from "firebase-admin/firestore";
import { COLLECTIONS } from "../collections";
import type { ClaimedFromEvent } from "./claim-task";
import type { TaskDocDeps } from "./pipeline-deps";
import { storeRunRecord, type StoredRecord } from "./output-document";
import { planFinish, type Conflicts, type FinishFacts, type FinishInput, type FinishOutcome } from "./plan-finish";
import { addWrites } from "./writes";

export type { FinishInput, FinishOutcome, TaskError } from "./plan-finish";

const ALREADY_EXISTS = 6;

/**
 * The overflow pieces of a huge run go first, each at an id fixed per attempt (so a retried finish rewrites the
 * same pieces), which keeps the commit itself far inside Firestore's 10 MiB and 500-write limits.
 *
 * Then the commit. A task claimed from its created-event finishes in one batch and no read: the batch requires the
 * task unchanged since the claim and the job unchanged since it was read beside it, and create() requires the
 * output and the successor absent. When any of that fails (or the answer is lost), nothing was written, and a
 * transaction that reads the task and the job decides instead, as it does for every other claim.
 */
export async function finishTask(deps: TaskDocDeps, input: FinishInput, fromEvent?: ClaimedFromEvent): Promise<FinishOutcome> {
  const stored = input.record ? storeRunRecord(input.taskDocId, input.attempt, input.record, input.envelope.owner_uid) : undefined;
  if (stored?.overflow.length) await Promise.all(stored.overflow.map((w) => deps.db.doc(w.path).set(w.data)));
  const jobId = input.envelope.job_id;
  if (fromEvent && (!jobId || fromEvent.job)) {
    const plan = planFinish(factsOf(deps, input, stored, fromEvent.job?.data, {}));
    const unchangedSince = new Map<string, Timestamp>([[`${COLLECTIONS.tasks}/${input.taskDocId}`, fromEvent.claimWrittenAt]]);
    if (jobId && fromEvent.job) unchangedSince.set(`${COLLECTIONS.jobs}/${jobId}`, fromEvent.job.updateTime);
    const batch = deps.db.batch();
    addWrites(deps.db, batch, plan.writes, unchangedSince);
    try {
      await batch.commit();
      return plan.outcome;
    } catch {
      // Something moved since the claim, or the answer was lost: the transaction finds out which.
    }
  }
  return finishInTransaction(deps, input, stored, {});
}

async function finishInTransaction(
  deps: TaskDocDeps,
  input: FinishInput,
  stored: StoredRecord | undefined,
  conflicts: Conflicts,
): Promise<FinishOutcome> {
  const { db } = deps;
  const taskRef = db.collection(COLLECTIONS.tasks).doc(input.taskDocId);
  const jobId = input.envelope.job_id;
  try {
    return await db.runTransaction(async (tx): Promise<FinishOutcome> => {
      const [taskSnap, jobSnap] = await Promise.all([
        tx.get(taskRef),
        jobId ? tx.get(db.collection(COLLECTIONS.jobs).doc(jobId)) : undefined,
      ]);
      const held = stillHeld(taskSnap.data(), input);
      if (held !== true) return held;
      const plan = planFinish(factsOf(deps, input, stored, jobSnap?.data(), conflicts));
      addWrites(db, tx, plan.writes);
      return plan.outcome;
    });
  } catch (err) {
    if ((err as { code?: unknown }).code !== ALREADY_EXISTS || (conflicts.output && conflicts.successor)) throw err;
    // Found out after the fact, so that the usual finish spends no read on it: which document was in the way, and
    // is this attempt still the one holding the task?
    const [output, task] = await Promise.all([db.collection(COLLECTIONS.outputs).doc(input.taskDocId).get(), taskRef.get()]);
    if (task.get("status") !== "running" || task.get("attempts") !== input.attempt)
      return { kind: "lost", reason: "another attempt took the task over and finished it" };
    return finishInTransaction(
      deps,
      input,
      stored,
      output.exists && !conflicts.output ? { ...conflicts, output: true } : { ...conflicts, successor: true },
    );
  }
}

/** true when this attempt still holds the task; otherwise what became of it. */
function stillHeld(current: DocumentData | undefined, input: FinishInput): true | FinishOutcome {
  const settled = current?.status === "success" || current?.status === "failed";
  if (current && input.claimId && current.claim_id === input.claimId && settled) {
    // This delivery's earlier commit was applied though its answer was lost: report it, write nothing more.
    const status = current.status as "success" | "failed"; // settled, just above
    const next = current.next_task_doc_id as string | undefined;
    return { kind: "finished", status, ...(next ? { nextTaskDocId: next } : {}) };
  }
  if (current?.status === "running" && current.attempts === input.attempt) return true;
  return {
    kind: "lost",
    reason: `the task moved on (status ${current?.status}, attempt ${current?.attempts}) while attempt ${input.attempt} ran`,
  };
}

const factsOf = (
  deps: TaskDocDeps,
  input: FinishInput,
  stored: StoredRecord | undefined,
  job: DocumentData | undefined,
  conflicts: Conflicts,
): FinishFacts => ({
  input,
  stored,
  job,
  now: (deps.now ?? Date.now)(),
  bareMaxHops: deps.policy.maxHops,
  conflicts,
});
