// Where the batch tools enqueue: the Cloud Tasks emulator beside the Firestore emulator by default, the real queue
// of a project only when -project names one.
import { createTaskQueueEnqueuer, type Enqueue } from "../shared/batch/task-queue";
import { UsageError } from "./cli-args";
import { useFirestoreTarget } from "./firestore-target";

/** The Tasks emulator's port in firebase.json (EMULATOR_PORT_BASE sessions export their own address). */
export const DEFAULT_TASKS_EMULATOR_HOST = "127.0.0.1:9499";

export const serviceAccountFlag = {
  type: "string",
  value: "EMAIL",
  description: "with -project: the service account Cloud Tasks calls admitBatchRow as (needed when signed in as a user)",
} as const;

/** Firestore as useFirestoreTarget chooses it, and the matching queue; returns the line that says which. */
export async function useBatchTarget(project: string | undefined): Promise<string> {
  if (project && process.env.CLOUD_TASKS_EMULATOR_HOST) {
    throw new UsageError(
      `-project=${project} names a real project but CLOUD_TASKS_EMULATOR_HOST is set (${process.env.CLOUD_TASKS_EMULATOR_HOST}); unset it to use the real queue`,
    );
  }
  const firestore = await useFirestoreTarget(project);
  if (project) return firestore;
  const tasks = (process.env.CLOUD_TASKS_EMULATOR_HOST ??= DEFAULT_TASKS_EMULATOR_HOST);
  return `${firestore} and the Cloud Tasks emulator at ${tasks}`;
}

export async function openEnqueuer(serviceAccount: string | undefined): Promise<Enqueue> {
  return createTaskQueueEnqueuer(serviceAccount ? { serviceAccount } : {});
}
