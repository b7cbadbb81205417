// Ends a job left `running` whose current task has ended (or is gone), from what that task became. The finishing
// commit moves task and job together, so this mends only what something outside it broke: a task ended or deleted
// by hand, a job written over mid-run.
import { Timestamp, type DocumentData } from "firebase-admin/firestore";
import { COLLECTIONS } from "../collections";
import { mapField } from "./document-fields";
import { fitsInDocument } from "./output-document";
import type { PipelineDeps } from "./pipeline-deps";

export type ReconcileOutcome = "not running" | "in progress" | "moved on" | "success" | "failed";

export async function reconcileJob(deps: Pick<PipelineDeps, "db" | "now">, jobId: string): Promise<ReconcileOutcome> {
  const { db } = deps;
  const jobRef = db.collection(COLLECTIONS.jobs).doc(jobId);
  return db.runTransaction(async (tx) => {
    const job = (await tx.get(jobRef)).data();
    if (job?.status !== "running") return "not running";
    const taskDocId = String(job.current_task_doc_id ?? "");
    const task = taskDocId ? (await tx.get(db.collection(COLLECTIONS.tasks).doc(taskDocId))).data() : undefined;
    const output =
      task?.status === "success" && !task.next_task_doc_id
        ? (await tx.get(db.collection(COLLECTIONS.outputs).doc(taskDocId))).data()
        : undefined;
    const decision = decideReconcile(job, taskDocId, task, output, (deps.now ?? Date.now)());
    if (decision.update) tx.update(jobRef, decision.update);
    return decision.outcome;
  });
}

/** Pure: what the job should say given its current task (and, for a last task that succeeded, its output). */
export function decideReconcile(
  job: DocumentData,
  taskDocId: string,
  task: DocumentData | undefined,
  output: DocumentData | undefined,
  now: number,
): { outcome: ReconcileOutcome; update?: DocumentData } {
  const at = Timestamp.fromMillis(now);
  const fail = (error: DocumentData) => ({
    outcome: "failed" as const,
    update: { status: "failed", error: { ...error, task_doc_id: taskDocId }, finished_at: at, updated_at: at },
  });
  if (!task) {
    const message = `the job's current task tasks/${taskDocId || "(none)"} no longer exists, so the job could never end; start it again (npm run start-job)`;
    return fail({ code: "internal", message, retryable: false });
  }
  // A `waiting` task (provider batch mode) is parked on a vendor batch for minutes to hours: in progress, not ended.
  if (task.status === "queued" || task.status === "running" || task.status === "waiting") return { outcome: "in progress" };
  if (task.status === "failed")
    return fail(
      task.error ? mapField(task.error) : { code: "internal", message: `tasks/${taskDocId} failed without saying why`, retryable: false },
    );
  const next: unknown = task.next_task_doc_id;
  if (next) return { outcome: "moved on", update: { current_task_doc_id: next, updated_at: at } };
  const payload = mapField(output?.output_payload);
  const fits = fitsInDocument({ ...job, output_payload: payload });
  return {
    outcome: "success",
    update: {
      status: "success",
      finished_at: at,
      updated_at: at,
      ...(fits ? { output_payload: payload } : { output_payload_ref: `outputs/${taskDocId}` }),
    },
  };
}
