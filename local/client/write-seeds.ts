// Writes validated seeds to Firestore: library tasks to task_configs/, jobs to jobs/ (as pending, not started).
import type { Firestore } from "firebase-admin/firestore";
import { FieldValue } from "firebase-admin/firestore";
import type { Seeds } from "./load-seeds";

/**
 * Jobs are written with status `pending`: seeding must not start them (a `queued` job document starts on
 * creation). `start-job` starts one. Rewriting a seed replaces the job document and its run state.
 */
export async function writeSeeds(db: Firestore, seeds: Seeds): Promise<{ jobs: string[]; library: string[] }> {
  const batch = db.batch();
  for (const [id, task] of seeds.library) batch.set(db.collection("task_configs").doc(id), task);
  for (const { config } of seeds.jobs) {
    batch.set(db.collection("jobs").doc(config.job_id), { ...config, status: "pending", created_at: FieldValue.serverTimestamp() });
  }
  await batch.commit();
  return { jobs: seeds.jobs.map((j) => j.config.job_id), library: [...seeds.library.keys()] };
}
