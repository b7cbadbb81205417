// Ends a job from outside its chain. Cancelling: it ends `cancelled` at once, and no successor is committed after
// it. A task already running is left to finish (its model calls are under way and paid for; its output is kept),
// but its finish commits no successor and leaves the job as it is. A task committed but not yet started ends
// `failed` with `cancelled` in the same commit, so that its trigger finds it ended and calls no model.
import { Timestamp, type DocumentData } from "firebase-admin/firestore";
import type { TaskError } from "./plan-finish";
import { COLLECTIONS } from "../collections";
import type { PipelineDeps } from "./pipeline-deps";

export type EndJobResult =
  | {
      kind: "ended";
      /** The job's task that was running: it finishes, and commits nothing after it. */
      currentTaskDocId?: string;
      /** The job's task that was queued: it ended with the job, without running. */
      endedTaskDocId?: string;
    }
  | { kind: "not_ended"; reason: string };

/** Job statuses a cancel applies to: anything not yet ended. */
const CANCELLABLE = ["pending", "queued", "running"];

export function cancelJob(
  deps: Pick<PipelineDeps, "db" | "now">,
  jobId: string,
  reason = "cancelled by the operator",
): Promise<EndJobResult> {
  return endJob(deps, jobId, "cancelled", { code: "cancelled", message: reason, retryable: false }, CANCELLABLE);
}

/** Ends the job with `status` and `error` when its status is one of `from`, and its current task if not yet started. */
export async function endJob(
  deps: Pick<PipelineDeps, "db" | "now">,
  jobId: string,
  status: "cancelled" | "failed",
  error: TaskError,
  from: readonly string[],
): Promise<EndJobResult> {
  const { db } = deps;
  const ref = db.collection(COLLECTIONS.jobs).doc(jobId);
  return db.runTransaction(async (tx): Promise<EndJobResult> => {
    const job = (await tx.get(ref)).data();
    if (!job) return { kind: "not_ended", reason: `no document jobs/${jobId}` };
    const current = String(job.status ?? "queued");
    if (!from.includes(current)) return { kind: "not_ended", reason: `the job is ${current}` };
    const taskDocId = current === "running" && job.current_task_doc_id ? String(job.current_task_doc_id) : undefined;
    const taskRef = taskDocId ? db.collection(COLLECTIONS.tasks).doc(taskDocId) : undefined;
    const task = taskRef ? (await tx.get(taskRef)).data() : undefined;
    const now = Timestamp.fromMillis((deps.now ?? Date.now)());
    tx.update(ref, { status, error, finished_at: now, updated_at: now });
    // A task parked on a vendor batch is not running either: it ends with the job (a later resume finds it ended).
    if (task?.status === "queued" || task?.status === "waiting") {
      tx.update(taskRef!, { status: "failed", error: notStarted(jobId, status, error), finished_at: now });
      return { kind: "ended", endedTaskDocId: taskDocId! };
    }
    return { kind: "ended", ...(task?.status === "running" ? { currentTaskDocId: taskDocId! } : {}) };
  });
}

function notStarted(jobId: string, status: "cancelled" | "failed", error: TaskError): DocumentData {
  const message = `not run: its job ${jobId} ${status === "cancelled" ? "was cancelled" : "failed"} before the task started (${error.message})`;
  return { code: status === "cancelled" ? "cancelled" : error.code, message, retryable: false };
}
