// The scheduled backstop, so that nothing stays stuck: runs tasks whose run died (running past their lease) or
// never came (queued past a grace period: their event was dropped), and ends jobs left running after their
// current task ended. Only a task it runs needs the engine (and so a model key): finding stuck work, ending tasks
// out of attempts and reconciling jobs call no model, so they go on when the engine cannot be built.
import type { DocumentSnapshot, Query } from "firebase-admin/firestore";
import { COLLECTIONS } from "../collections";
import type { EngineOptions } from "../engine/engine-options";
import { millisOf } from "./document-fields";
import { endTaskUnrun, handleTaskCreated, startUpError, type HandleOutcome } from "./handle-task-created";
import { FINISH_RESERVE_MS, type PipelinePolicy, type TaskDocDeps } from "./pipeline-deps";
import { reconcileJob, type ReconcileOutcome } from "./reconcile-job";
import { DEFAULT_LIMITS } from "../limits";

/**
 * What the sweep needs: what claiming and finishing take, and the engine, either built (a tool, a test) or built on
 * the first take-over that runs a task (the scheduled function). When building it fails (deployed without
 * GEMINI_API_KEY, an invalid LLM_MODEL_TABLE) each task the sweep takes over ends `failed` with `config_error` and
 * the reason, and everything else the sweep does still happens.
 */
export interface SweepDeps extends TaskDocDeps {
  engine: EngineOptions | (() => Promise<EngineOptions>);
}

export interface SweepResult {
  /** Tasks found `running` with an expired lease. */
  expired: string[];
  /** Tasks found `queued` longer than the grace period. */
  unstarted: string[];
  /** Tasks found `waiting` on a vendor batch longer than BATCH_MAX_WAIT_HOURS: ended `deadline_exceeded`. */
  overdue: string[];
  outcomes: Record<string, HandleOutcome["kind"] | "error" | "left for the next sweep">;
  /** Jobs found `running` but not updated for the grace period, and what the sweep made of each. */
  jobs: Record<string, ReconcileOutcome | "error">;
}

export interface SweepOptions {
  /** Take-overs run at once (a task mostly waits on the model). */
  concurrency?: number;
  /**
   * The sweep's own time limit (the scheduled function's timeout). Each take-over's run budget is what is left of
   * it less the time to write the result, at most the policy's; one that would get less than a minute waits.
   */
  timeLimitMs?: number;
}

const PAGE = 500;
const MIN_TAKEOVER_BUDGET_MS = 60_000;

export async function sweepStuckWork(deps: SweepDeps, options: SweepOptions = {}): Promise<SweepResult> {
  const clock = deps.now ?? Date.now;
  const started = clock();
  const tasks = deps.db.collection(COLLECTIONS.tasks);
  const expired = await findDocs(tasks.where("status", "==", "running"), (d) => fieldMillis(d, "lease_expires_at") <= started);
  const unstarted = await findDocs(
    tasks.where("status", "==", "queued"),
    (d) => fieldMillis(d, "created_at") <= started - deps.policy.queuedGraceMs,
  );
  const outcomes = await takeOver(deps, [...expired, ...unstarted], started, options);
  const overdue = await endOverdueWaits(deps, started, outcomes);
  // Jobs last: a task just taken over has moved its job on by now.
  const stale = await findDocs(
    deps.db.collection(COLLECTIONS.jobs).where("status", "==", "running"),
    (d) => fieldMillis(d, "updated_at") <= started - deps.policy.queuedGraceMs,
  );
  const jobs: SweepResult["jobs"] = {};
  for (const jobId of stale) {
    jobs[jobId] = await reconcileJob(deps, jobId).catch((err: Error) => {
      deps.log?.("sweep could not reconcile a job", { jobId, error: err.message });
      return "error" as const;
    });
  }
  return { expired, unstarted, overdue, outcomes, jobs };
}

/**
 * Ends tasks parked on a vendor batch for longer than BATCH_MAX_WAIT_HOURS (a job stuck at its vendor, a collector that
 * stopped): claimed as any delivery, then failed saying what to do, so that no task waits for ever.
 */
async function endOverdueWaits(deps: SweepDeps, started: number, outcomes: SweepResult["outcomes"]): Promise<string[]> {
  const hours = deps.policy.batchMaxWaitHours ?? DEFAULT_LIMITS.batchMaxWaitHours;
  const tasks = deps.db.collection(COLLECTIONS.tasks).where("status", "==", "waiting");
  const overdue = await findDocs(tasks, (d) => fieldMillis(d, "waiting_since") <= started - hours * 3_600_000);
  for (const taskDocId of overdue) {
    const message = `the task waited more than ${hours} h (BATCH_MAX_WAIT_HOURS) for a vendor batch's answer to ${String((await deps.db.doc(`${COLLECTIONS.tasks}/${taskDocId}`).get()).get("waiting_for"))}; the vendor's job is stuck or expired: start the job again (or run it with "execution": "synchronous")`;
    outcomes[taskDocId] = (await endTaskUnrun(deps, taskDocId, { code: "deadline_exceeded", message, retryable: false })).kind;
  }
  return overdue;
}

/** The query filters on status only (a single-field index), page by page; the time is checked here. */
async function findDocs(query: Query, due: (doc: DocumentSnapshot) => boolean): Promise<string[]> {
  const ids: string[] = [];
  for (let after: DocumentSnapshot | undefined; ;) {
    const page = await (after ? query.orderBy("__name__").startAfter(after) : query.orderBy("__name__")).limit(PAGE).get();
    for (const doc of page.docs) if (due(doc)) ids.push(doc.id);
    if (page.size < PAGE) return ids;
    after = page.docs[page.docs.length - 1];
  }
}

const fieldMillis = (doc: DocumentSnapshot, field: string): number => millisOf(doc.get(field)) ?? 0;

/** Each take-over goes through the same claim as a delivery, so a sweep racing a redelivery is harmless. */
async function takeOver(deps: SweepDeps, ids: string[], started: number, options: SweepOptions): Promise<SweepResult["outcomes"]> {
  const clock = deps.now ?? Date.now;
  const outcomes: SweepResult["outcomes"] = {};
  const queue = [...ids];
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const left = options.timeLimitMs === undefined ? Infinity : started + options.timeLimitMs - clock() - FINISH_RESERVE_MS;
      const runBudgetMs = Math.min(deps.policy.runBudgetMs, left);
      if (runBudgetMs < Math.min(deps.policy.runBudgetMs, MIN_TAKEOVER_BUDGET_MS)) {
        outcomes[id] = "left for the next sweep";
        continue;
      }
      try {
        outcomes[id] = (await takeOverOne(deps, id, { ...deps.policy, runBudgetMs })).kind;
      } catch (err) {
        outcomes[id] = "error";
        deps.log?.("sweep could not take a task over", { taskDocId: id, error: (err as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 20, queue.length) }, worker));
  return outcomes;
}

/** Runs one task taken over, or, when the engine cannot be built, ends it failed saying why (claimed like any run). */
async function takeOverOne(deps: SweepDeps, taskDocId: string, policy: PipelinePolicy): Promise<HandleOutcome> {
  let engine: EngineOptions;
  try {
    engine = typeof deps.engine === "function" ? await deps.engine() : deps.engine;
  } catch (err) {
    const error = startUpError(err);
    deps.log?.("sweep could not run a task: the engine could not be built", { taskDocId, error: error.message }, "warning");
    return endTaskUnrun({ ...deps, policy }, taskDocId, error);
  }
  return handleTaskCreated({ ...deps, engine, policy }, taskDocId);
}
