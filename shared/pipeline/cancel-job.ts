// Cancels a job: it ends `cancelled` at once, and no successor is committed after it. A task already running is
// left to finish (its model calls are under way and paid for; its output is kept), but its finish commits no
// successor and leaves the job as it is; a task committed but not yet started ends `failed` with `cancelled`
// without running (handle-task-created.ts).
import { Timestamp } from "firebase-admin/firestore";
import { COLLECTIONS } from "./collections";
import type { PipelineDeps } from "./pipeline-deps";

export type CancelJobResult = { kind: "cancelled"; currentTaskDocId?: string } | { kind: "not_cancelled"; reason: string };

/** Job statuses a cancel applies to: anything not yet ended. */
const CANCELLABLE = ["pending", "queued", "running"];

export async function cancelJob(deps: Pick<PipelineDeps, "db" | "now">, jobId: string, reason = "cancelled by the operator"): Promise<CancelJobResult> {
  const ref = deps.db.collection(COLLECTIONS.jobs).doc(jobId);
  return deps.db.runTransaction(async (tx): Promise<CancelJobResult> => {
    const job = (await tx.get(ref)).data();
    if (!job) return { kind: "not_cancelled", reason: `no document jobs/${jobId}` };
    const status = String(job.status ?? "queued");
    if (!CANCELLABLE.includes(status)) return { kind: "not_cancelled", reason: `the job is already ${status}` };
    const now = Timestamp.fromMillis((deps.now ?? Date.now)());
    tx.update(ref, { status: "cancelled", error: { code: "cancelled", message: reason, retryable: false }, finished_at: now, updated_at: now });
    return { kind: "cancelled", ...(status === "running" && job.current_task_doc_id ? { currentTaskDocId: String(job.current_task_doc_id) } : {}) };
  });
}
