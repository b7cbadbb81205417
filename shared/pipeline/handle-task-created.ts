// What happens when a tasks/ document is created: claim it, run it with the engine, finish it, and, while the
// invocation has time, go on to the job's next task (created already claimed by this invocation).
import { formatIssues } from "../config/config-issue";
import { runTask } from "../engine/run-task";
import type { TaskRecord } from "../engine/run-record";
import { DEFAULT_RETRY } from "../models/retry";
import { randomUUID } from "node:crypto";
import { claimFromEvent, claimTask, heldSinceCreation, type Claim, type CreatedDocument, type FastClaim } from "./claim-task";
import { finishClaimedTask, finishTask, type Continuation, type FinishOutcome } from "./finish-task";
import { EVENT_FUNCTION_TIMEOUT_MS, FINISH_RESERVE_MS, type PipelineDeps } from "./pipeline-deps";

export type HandleOutcome =
  | (FinishOutcome & {
      /** The job's tasks this invocation went on to run after this one, in order. */
      continued?: { taskDocId: string; outcome: FinishOutcome }[];
    })
  | { kind: "skipped"; reason: string };

export interface HandleOptions {
  /** The document as its created-event carries it: the usual first delivery claims it in one write. */
  event?: CreatedDocument;
  /**
   * When the platform ends this invocation (its start plus the function's timeout). Given, and with
   * `policy.continueChains`, the invocation goes on to run the job's next task while a whole run budget
   * and the finish reserve still fit before it.
   */
  invocationDeadlineAt?: number;
}

/**
 * Safe to call any number of times for the same document, at once or in turn: only the delivery that
 * claims the task runs it, and the output and successor are created once (create-if-absent).
 */
export async function handleTaskCreated(deps: PipelineDeps, taskDocId: string, options: HandleOptions = {}): Promise<HandleOutcome> {
  const log = deps.log ?? (() => {});
  const { event } = options;
  const claimId = randomUUID();
  const heldBy = event ? heldSinceCreation(deps, event) : undefined;
  if (heldBy) {
    log("task not run", { taskDocId, reason: heldBy });
    return { kind: "skipped", reason: heldBy };
  }
  // With the event's document, the usual first delivery claims in one write; otherwise, or when that write
  // finds the document changed, the transactional claim decides (knowing this delivery's claim id).
  const fast = event ? await claimFromEvent(deps, taskDocId, event, claimId) : undefined;
  const claim = fast?.claim ?? (await claimTask(deps, taskDocId, claimId));
  if (claim.kind === "skipped") {
    log("task not run", { taskDocId, reason: claim.reason });
    return claim;
  }
  if (claim.kind !== "claimed") return finishUnrunnable(deps, taskDocId, claim);

  const first = await runClaimed(deps, taskDocId, claim, fast, options, fast ? "event" : "transaction");
  const continued: { taskDocId: string; outcome: FinishOutcome }[] = [];
  for (let next = first.continuation; next; ) {
    const ran = await runClaimed(deps, next.taskDocId, next.claimed.claim, next.claimed, options, "predecessor");
    continued.push({ taskDocId: next.taskDocId, outcome: stripContinuation(ran) });
    next = ran.continuation;
  }
  return { ...stripContinuation(first), ...(continued.length ? { continued } : {}) };
}

/** An invalid document or a task out of attempts: ended failed, without running. */
async function finishUnrunnable(deps: PipelineDeps, taskDocId: string, claim: Extract<Claim, { kind: "invalid" | "exhausted" }>): Promise<FinishOutcome> {
  const { envelope, attempt, claimId } = claim;
  if (claim.kind === "exhausted") {
    const error = {
      code: "internal" as const,
      message: `the task was started ${attempt - 1} times and never finished (each run crashed or timed out); not starting it again`,
      retryable: false,
    };
    return finishTask(deps, { taskDocId, envelope, attempt, claimId, error });
  }
  const error = {
    code: claim.code ?? "invalid_config",
    message:
      claim.code === "hop_limit"
        ? formatIssues(claim.issues)
        : `invalid task document (${claim.issues.length} problem${claim.issues.length === 1 ? "" : "s"}):\n${formatIssues(claim.issues)}`,
    issues: claim.issues,
    retryable: false,
  };
  return finishTask(deps, { taskDocId, envelope, attempt, claimId, error });
}

type Ran = FinishOutcome & { continuation?: Continuation };

const stripContinuation = ({ continuation: _, ...outcome }: Ran): FinishOutcome => outcome;

/** Runs a claimed task and finishes it; the successor comes back claimed when this invocation may run it too. */
async function runClaimed(
  deps: PipelineDeps,
  taskDocId: string,
  claim: Extract<Claim, { kind: "claimed" }>,
  guards: FastClaim | undefined,
  options: HandleOptions,
  claimedBy: "event" | "transaction" | "predecessor",
): Promise<Ran> {
  const log = deps.log ?? (() => {});
  const clock = deps.now ?? Date.now;
  const { envelope, attempt, claimId } = claim;
  const startedAt = clock();
  const deadlineAt = startedAt + deps.policy.runBudgetMs;
  const retry = { ...(deps.engine.retry ?? DEFAULT_RETRY), deadlineAt };
  // A continued task's start is on its predecessor's "task ended" line (continuesWith): one line per hop.
  if (claimedBy !== "predecessor") log("task started", { taskDocId, attempt, jobId: envelope.job_id, hop: envelope.hop, claim: claimedBy });
  let record: TaskRecord;
  try {
    // The signal also aborts a model call in flight, so the result is written before the function is killed.
    const signal = AbortSignal.timeout(deps.policy.runBudgetMs);
    record = await runTask(claim.config, taskDocId, { ...deps.engine, retry, signal });
  } catch (err) {
    // runTask reports step failures in the record; reaching here is a bug, still recorded on the task.
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    const error = { code: "internal" as const, message: `the engine crashed: ${message}`, retryable: false };
    return finishTask(deps, { taskDocId, envelope, attempt, claimId, config: claim.config, error });
  }
  if (record.error?.code === "deadline_exceeded") {
    record.error = { ...record.error, message: `${record.error.message} (the run budget of ${deps.policy.runBudgetMs / 1000} s was spent; TASK_RUN_BUDGET_MS sets it, at most ${EVENT_FUNCTION_TIMEOUT_MS - FINISH_RESERVE_MS})` };
  }
  const finish = { taskDocId, envelope, attempt, claimId, config: claim.config, record, ...(claim.libraryNext ? { libraryNext: claim.libraryNext } : {}) };
  const mayContinue =
    deps.policy.continueChains &&
    options.invocationDeadlineAt !== undefined &&
    options.invocationDeadlineAt - clock() >= deps.policy.runBudgetMs + FINISH_RESERVE_MS;
  const outcome: Ran = guards
    ? await finishClaimedTask(deps, finish, guards, mayContinue ? { claimId: randomUUID() } : undefined)
    : await finishTask(deps, finish);
  log("task ended", {
    taskDocId,
    attempt,
    claim: claimedBy,
    outcome: outcome.kind === "finished" ? outcome.status : outcome.reason,
    latencyMs: Math.round(clock() - startedAt),
    engineMs: Math.round(record.latency_ms * 10) / 10,
    ...(outcome.continuation ? { continuesWith: outcome.continuation.taskDocId } : {}),
  });
  return outcome;
}
