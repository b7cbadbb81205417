// Finds tasks whose run died (lease expired while `running`) and takes each over, so none stays running.
import type { HandleOutcome } from "./handle-task-created";
import { handleTaskCreated } from "./handle-task-created";
import type { PipelineDeps } from "./pipeline-deps";

export interface SweepResult {
  /** Tasks found `running` with an expired lease. */
  expired: string[];
  outcomes: Record<string, HandleOutcome["kind"] | "error">;
}

/**
 * The query filters on status only (a single-field index on a non-monotonic value); the lease is checked
 * here. Each take-over goes through the same claim as a delivery, so a sweep racing a redelivery is harmless.
 */
export async function sweepExpiredTasks(deps: PipelineDeps, options: { limit?: number; concurrency?: number } = {}): Promise<SweepResult> {
  const now = (deps.now ?? Date.now)();
  const running = await deps.db.collection("tasks").where("status", "==", "running").limit(options.limit ?? 1000).get();
  const expired = running.docs.filter((d) => (d.get("lease_expires_at")?.toMillis?.() ?? 0) <= now).map((d) => d.id);
  const outcomes: SweepResult["outcomes"] = {};
  const queue = [...expired];
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      try {
        outcomes[id] = (await handleTaskCreated(deps, id)).kind;
      } catch (err) {
        outcomes[id] = "error";
        deps.log?.("sweep could not take a task over", { taskDocId: id, error: (err as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 10, queue.length) }, worker));
  return { expired, outcomes };
}
