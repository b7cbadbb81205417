// What happens when a tasks/ document is created: claim it, run its steps with the engine, finish it (its output,
// its status, the next task created `queued`, which fires its own trigger). One task per call.
import type { DocumentData } from "firebase-admin/firestore";
import { formatIssues } from "../config/config-issue";
import type { TaskRecord } from "../engine/run-record";
import { runTaskSteps } from "../engine/run-task-steps";
import { DEFAULT_RETRY } from "../models/retry";
import { COLLECTIONS } from "../collections";
import { optional } from "./writes";
import { claimTask, type Claim, type ReadDocument } from "./claim-task";
import { finishTask, type FinishOutcome, type TaskError } from "./finish-task";
import { EVENT_FUNCTION_TIMEOUT_MS, FINISH_RESERVE_MS, type PipelineDeps, type TaskDocDeps } from "./pipeline-deps";
import { createSpendGuard, spendScopes } from "./spend-guard";
import { createResponseStore, type PipelineResponseStore } from "./response-store";
import { runModes } from "./run-modes";
import { parkRun, type ParkOutcome } from "./park-task";
import { millisOf } from "./document-fields";
import type { ResponseStore } from "../engine/engine-options";
import { DEFAULT_LIMITS } from "../limits";

export type HandleOutcome = FinishOutcome | ParkOutcome | { kind: "skipped"; reason: string };

export interface HandleOptions {
  /** The document as its created-event carries it: the usual first delivery then claims it in one write. */
  event?: ReadDocument;
}

/**
 * Safe to call any number of times for the same document, at once or in turn: only the delivery that claims the
 * task runs it, and its output and successor are created once (create-if-absent, in the finishing commit).
 */
export async function handleTaskCreated(deps: PipelineDeps, taskDocId: string, options: HandleOptions = {}): Promise<HandleOutcome> {
  const log = deps.log ?? (() => {});
  const claim = await claimTask(deps, taskDocId, options);
  if (claim.kind === "skipped") {
    log("task not run", { taskDocId, reason: claim.reason });
    return claim;
  }
  if (claim.kind !== "claimed") return endNotRun(deps, taskDocId, claim, whyNotRun(claim));
  const job = await claimedJob(deps, claim);
  const stopped = jobStopped(claim, job);
  if (stopped) return endNotRun(deps, taskDocId, claim, stopped);
  const { envelope, attempt, claimId } = claim;

  const clock = deps.now ?? Date.now;
  const startedAt = clock();
  const claimedBy = claim.fromEvent ? "event" : "transaction";
  // A start line when the claim came another way than the event (a redelivery, a take-over), so that a run which
  // then dies still shows in the log.
  if (!claim.fromEvent) log("task started", { taskDocId, attempt, jobId: envelope.job_id, hop: envelope.hop, claim: claimedBy });
  const answers = createResponseStore(deps.db, envelope.owner_uid, deps.policy.responseTtlDays ?? DEFAULT_LIMITS.responseTtlDays);
  const run = await runClaimedTask(deps, taskDocId, claim, job, answers);
  const libraryNext = claim.libraryNext ? { libraryNext: claim.libraryNext } : {};
  if (run.record?.waiting) {
    const finish = { taskDocId, envelope, attempt, claimId, config: claim.config, ...libraryNext };
    const modes = { cache: job?.cache === true, runStartedAt: millisOf(job?.started_at) ?? startedAt };
    return parkRun(deps, finish, { ownerUid: envelope.owner_uid, record: { ...run.record, waiting: run.record.waiting }, ...modes });
  }
  // The run's answers are kept beside its finishing commit, not before it: the next task waits for no extra write.
  const [outcome] = await Promise.all([
    finishTask(deps, { taskDocId, envelope, attempt, claimId, config: claim.config, ...run, ...libraryNext }, claim.fromEvent),
    keepAnswers(deps, taskDocId, answers),
  ]);
  // The usual task, a success on its first delivery, is in its documents; the log holds what needs a look.
  const usual = claim.fromEvent && outcome.kind === "finished" && outcome.status === "success";
  if (usual && !deps.policy.logEveryTask) return outcome;
  const ended = {
    taskDocId,
    attempt,
    jobId: envelope.job_id,
    hop: envelope.hop,
    claim: claimedBy,
    outcome: outcome.kind === "finished" ? outcome.status : outcome.reason,
    latencyMs: Math.round(clock() - startedAt),
    ...(run.record ? { engineMs: Math.round(run.record.latency_ms * 10) / 10 } : {}),
    ...optional("error", run.record?.error?.code ?? run.error?.code),
  };
  log("task ended", ended, usual ? "info" : "warning");
  return outcome;
}

/** Ends a claimed task failed without running it, with a log line saying why. */
function endNotRun(deps: TaskDocDeps, taskDocId: string, claim: Exclude<Claim, { kind: "skipped" }>, error: TaskError) {
  const { envelope, attempt, claimId } = claim;
  const where = { taskDocId, attempt, jobId: envelope.job_id, hop: envelope.hop };
  deps.log?.("task not run", { ...where, error: error.code, reason: error.message }, "warning");
  const claimed = claim.kind === "claimed" ? claim : undefined;
  return finishTask(deps, { taskDocId, envelope, attempt, claimId, config: claimed?.config, error }, claimed?.fromEvent);
}

/** Runs the task's steps within the run budget: the record, or the error when the engine itself crashed. */
async function runClaimedTask(
  deps: PipelineDeps,
  taskDocId: string,
  claim: Extract<Claim, { kind: "claimed" }>,
  job: DocumentData | undefined,
  answers: ResponseStore,
): Promise<{ record?: TaskRecord; error?: TaskError }> {
  const budgetMs = deps.policy.runBudgetMs;
  const now = (deps.now ?? Date.now)();
  const retry = { ...(deps.engine.retry ?? DEFAULT_RETRY), deadlineAt: now + budgetMs };
  const { envelope, attempt } = claim;
  const scopes = spendScopes(envelope, job, deps.policy.dailySpendCeilingUsd ?? 0, now);
  const ledger = { id: `${taskDocId}~${attempt}`, taskDocId, attempt, ownerUid: envelope.owner_uid };
  const spend = createSpendGuard(deps.db, ledger, scopes);
  let record: TaskRecord;
  try {
    // The signal also aborts a model call in flight, so the result is written before the function is killed.
    const ownerUid = claim.envelope.owner_uid;
    const signal = AbortSignal.timeout(budgetMs);
    const engine = { ...deps.engine, retry, ownerUid, signal, ...runModes(job, answers, now), ...(spend ? { spend } : {}) };
    record = await runTaskSteps(claim.config, taskDocId, engine);
  } catch (err) {
    // runTaskSteps reports step failures in the record; reaching here is a bug, still recorded on the task.
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return { error: { code: "internal", message: `the engine crashed: ${message}`, retryable: false } };
  }
  if (record.error?.code === "deadline_exceeded") {
    const limit = EVENT_FUNCTION_TIMEOUT_MS - FINISH_RESERVE_MS;
    record.error = {
      ...record.error,
      message: `${record.error.message} (the run budget of ${budgetMs / 1000} s was spent; TASK_RUN_BUDGET_MS sets it, at most ${limit})`,
    };
  }
  return { record };
}

/**
 * Writes the run's new answers to the response store. A failure costs only a later rerun's cache hit (the answers are
 * in the task's record already), so it is a warning in the log, not a failed task.
 */
async function keepAnswers(deps: PipelineDeps, taskDocId: string, answers: PipelineResponseStore): Promise<void> {
  try {
    await answers.flush();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    deps.log?.("answers not stored", { taskDocId, reason, effect: "a cache rerun of this task pays for its model calls again" }, "warning");
  }
}

/** The error of a task that is ended without running: an invalid document, or one out of attempts. */
function whyNotRun(claim: Extract<Claim, { kind: "invalid" | "exhausted" }>): TaskError {
  if (claim.kind === "exhausted") {
    const message = `the task was started ${claim.attempt - 1} times and never finished (each run crashed or timed out); not starting it again`;
    return { code: "internal", message, retryable: false };
  }
  const count = `${claim.issues.length} problem${claim.issues.length === 1 ? "" : "s"}`;
  const message =
    claim.code === "hop_limit" ? formatIssues(claim.issues) : `invalid task document (${count}):\n${formatIssues(claim.issues)}`;
  return { code: claim.code, message, issues: claim.issues, retryable: false };
}

/**
 * A job task whose job ended (or was started again) after the task was committed is ended without running: its
 * model calls would be paid for and thrown away. The claim's job when it has one: a cancel ends a task not yet
 * started itself (cancel-job.ts), and the finish requires the job as the claim knew it.
 */
function jobStopped(claim: Extract<Claim, { kind: "claimed" }>, job: DocumentData | undefined): TaskError | undefined {
  const jobId = claim.envelope.job_id;
  if (!jobId) return undefined;
  if (job?.status === "running" && job.run_id === claim.envelope.run_id) return undefined;
  const state = !job
    ? "no longer exists"
    : job.run_id !== claim.envelope.run_id
      ? `has moved on to ${job.run_id}`
      : job.status === "cancelled"
        ? "was cancelled"
        : `is ${job.status}`;
  return { code: "cancelled", message: `not run: its job ${jobId} ${state}`, retryable: false };
}

/** The job of a job task, as the claim read it, else read now; undefined for a bare task or a job that is gone. */
async function claimedJob(deps: PipelineDeps, claim: Extract<Claim, { kind: "claimed" }>): Promise<DocumentData | undefined> {
  const jobId = claim.envelope.job_id;
  if (!jobId) return undefined;
  return claim.fromEvent?.job?.data ?? (await deps.db.collection(COLLECTIONS.jobs).doc(jobId).get()).data();
}

/**
 * Ends a task failed without running it, for a reason outside the task (the functions could not start): claimed
 * like any delivery, so that a task already running or ended is left alone, then finished with the error.
 */
export async function endTaskUnrun(
  deps: TaskDocDeps,
  taskDocId: string,
  error: TaskError,
  options: HandleOptions = {},
): Promise<HandleOutcome> {
  const claim = await claimTask(deps, taskDocId, options);
  if (claim.kind === "skipped") return claim;
  const { envelope, attempt, claimId } = claim;
  return finishTask(deps, { taskDocId, envelope, attempt, claimId, error }, claim.kind === "claimed" ? claim.fromEvent : undefined);
}

/** A task's error when the engine could not be built (a missing key deployed, an invalid model table): a setting to fix. */
export function startUpError(err: unknown): TaskError {
  const message = err instanceof Error ? err.message : String(err);
  return { code: "config_error", message: `the functions could not start: ${message}`, retryable: false };
}
