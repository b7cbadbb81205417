// Ends a job from outside its chain. Cancelling: it ends `cancelled` at once, and no successor is committed after
// it. A task already running is left to finish (its model calls are under way and paid for; its output is kept),
// but its finish commits no successor and leaves the job as it is; a task committed but not yet started ends
// `failed` with `cancelled` without running (handle-task-created.ts).
import { Timestamp } from "firebase-admin/firestore";
import type { TaskError } from "./plan-finish";
import { COLLECTIONS } from "./collections";
import type { PipelineDeps } from "./pipeline-deps";

export type EndJobResult = { kind: "ended"; currentTaskDocId?: string } | { kind: "not_ended"; reason: string };

/** Job statuses a cancel applies to: anything not yet ended. */
const CANCELLABLE = ["pending", "queued", "running"];

export function cancelJob(
  deps: Pick<PipelineDeps, "db" | "now">,
  jobId: string,
  reason = "cancelled by the operator",
): Promise<EndJobResult> {
  return endJob(deps, jobId, "cancelled", { code: "cancelled", message: reason, retryable: false }, CANCELLABLE);
}

/** Ends the job with `status` and `error` when its status is one of `from`; its current task, if running, is returned. */
export async function endJob(
  deps: Pick<PipelineDeps, "db" | "now">,
  jobId: string,
  status: "cancelled" | "failed",
  error: TaskError,
  from: readonly string[],
): Promise<EndJobResult> {
  const ref = deps.db.collection(COLLECTIONS.jobs).doc(jobId);
  return deps.db.runTransaction(async (tx): Promise<EndJobResult> => {
    const job = (await tx.get(ref)).data();
    if (!job) return { kind: "not_ended", reason: `no document jobs/${jobId}` };
    const current = String(job.status ?? "queued");
    if (!from.includes(current)) return { kind: "not_ended", reason: `the job is ${current}` };
    const now = Timestamp.fromMillis((deps.now ?? Date.now)());
    tx.update(ref, { status, error, finished_at: now, updated_at: now });
    return {
      kind: "ended",
      ...(current === "running" && job.current_task_doc_id ? { currentTaskDocId: String(job.current_task_doc_id) } : {}),
    };
  });
}
