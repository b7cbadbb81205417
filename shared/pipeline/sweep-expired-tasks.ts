// Finds tasks whose run died (lease expired while `running`) and takes each over, so none stays running.
import type { DocumentSnapshot } from "firebase-admin/firestore";
import type { HandleOutcome } from "./handle-task-created";
import { handleTaskCreated } from "./handle-task-created";
import { FINISH_RESERVE_MS, type PipelineDeps } from "./pipeline-deps";

export interface SweepResult {
  /** Tasks found `running` with an expired lease. */
  expired: string[];
  outcomes: Record<string, HandleOutcome["kind"] | "error" | "left for the next sweep">;
}

export interface SweepOptions {
  concurrency?: number;
  /**
   * The sweep's own time limit (the scheduled function's timeout). A take-over starts only while a whole run
   * budget, and the time to write its result, still fit before it; the rest wait for the next sweep.
   */
  timeLimitMs?: number;
}

const PAGE = 500;

/**
 * The query filters on status only (a single-field index on a non-monotonic value), page by page; the lease is
 * checked here. Each take-over goes through the same claim as a delivery, so a sweep racing a redelivery is harmless.
 */
export async function sweepExpiredTasks(deps: PipelineDeps, options: SweepOptions = {}): Promise<SweepResult> {
  const clock = deps.now ?? Date.now;
  const started = clock();
  const expired: string[] = [];
  let after: DocumentSnapshot | undefined;
  for (;;) {
    let query = deps.db.collection("tasks").where("status", "==", "running").orderBy("__name__").limit(PAGE);
    if (after) query = query.startAfter(after);
    const page = await query.get();
    for (const doc of page.docs) if ((doc.get("lease_expires_at")?.toMillis?.() ?? 0) <= started) expired.push(doc.id);
    if (page.size < PAGE) break;
    after = page.docs[page.docs.length - 1];
  }
  const outcomes: SweepResult["outcomes"] = {};
  const queue = [...expired];
  const hasTime = () => options.timeLimitMs === undefined || clock() - started + deps.policy.runBudgetMs + FINISH_RESERVE_MS <= options.timeLimitMs;
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      if (!hasTime()) {
        outcomes[id] = "left for the next sweep";
        continue;
      }
      try {
        outcomes[id] = (await handleTaskCreated(deps, id)).kind;
      } catch (err) {
        outcomes[id] = "error";
        deps.log?.("sweep could not take a task over", { taskDocId: id, error: (err as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 20, queue.length) }, worker));
  return { expired, outcomes };
}
