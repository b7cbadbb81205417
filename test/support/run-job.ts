// Runs a job as the deployed triggers would, one event at a time: the startJob body, then the runTask body for each task
// of the chain (with its created-event's document), until the job is no longer running.
import type { Firestore } from "firebase-admin/firestore";
import { onJobCreated, onTaskCreated } from "../../functions/src/trigger-bodies";
import { readDoc } from "./firestore-test-env";

export async function runJobThroughTriggers(db: Firestore, jobId: string): Promise<Record<string, unknown> | undefined> {
  const now = () => new Date().toISOString();
  await onJobCreated(jobId, now());
  for (let hop = 0; hop < 10; hop++) {
    const job = await readDoc(db, `jobs/${jobId}`);
    const taskDocId = job?.current_task_doc_id;
    if (job?.status !== "running" || typeof taskDocId !== "string") return job;
    const snap = await db.doc(`tasks/${taskDocId}`).get();
    await onTaskCreated(taskDocId, now(), { data: snap.data()!, updateTime: snap.updateTime! });
  }
  return readDoc(db, `jobs/${jobId}`);
}
