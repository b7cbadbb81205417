// What happens when a tasks/ document is created: claim it, run it with the engine, finish it.
import { formatIssues } from "../config/config-issue";
import { runTask } from "../engine/run-task";
import type { TaskRecord } from "../engine/run-record";
import { DEFAULT_RETRY } from "../models/retry";
import { randomUUID } from "node:crypto";
import { claimFromEvent, claimTask, type CreatedDocument } from "./claim-task";
import { finishClaimedTask, finishTask, type FinishOutcome } from "./finish-task";
import type { PipelineDeps } from "./pipeline-deps";

export type HandleOutcome = FinishOutcome | { kind: "skipped"; reason: string };

/**
 * Safe to call any number of times for the same document, at once or in turn: only the delivery that
 * claims the task runs it, and the output and successor are created once (create-if-absent).
 */
export async function handleTaskCreated(deps: PipelineDeps, taskDocId: string, event?: CreatedDocument): Promise<HandleOutcome> {
  const log = deps.log ?? (() => {});
  const claimId = randomUUID();
  // With the event's document, the usual first delivery claims in one write; otherwise, or when that write
  // finds the document changed, the transactional claim decides (knowing this delivery's claim id).
  const fast = event ? await claimFromEvent(deps, taskDocId, event, claimId) : undefined;
  const claim = fast?.claim ?? (await claimTask(deps, taskDocId, claimId));
  if (claim.kind === "skipped") {
    log("task not run", { taskDocId, reason: claim.reason });
    return claim;
  }
  const { envelope, attempt } = claim;
  if (claim.kind === "invalid") {
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
  if (claim.kind === "exhausted") {
    const error = {
      code: "internal" as const,
      message: `the task was started ${attempt - 1} times and never finished (each run crashed or timed out); not starting it again`,
      retryable: false,
    };
    return finishTask(deps, { taskDocId, envelope, attempt, claimId, error });
  }

  const deadlineAt = (deps.now ?? Date.now)() + deps.policy.runBudgetMs;
  const retry = { ...(deps.engine.retry ?? DEFAULT_RETRY), deadlineAt };
  log("task started", { taskDocId, attempt, jobId: envelope.job_id, hop: envelope.hop, claim: fast ? "event" : "transaction" });
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
  const finish = { taskDocId, envelope, attempt, claimId, config: claim.config, record, ...(claim.libraryNext ? { libraryNext: claim.libraryNext } : {}) };
  const outcome = fast ? await finishClaimedTask(deps, finish, fast) : await finishTask(deps, finish);
  log("task ended", { taskDocId, attempt, outcome: outcome.kind === "finished" ? outcome.status : outcome.reason, latencyMs: Math.round(record.latency_ms) });
  return outcome;
}
