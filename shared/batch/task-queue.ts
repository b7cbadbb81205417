// Hands runs to the admission queue: a Cloud Tasks queue whose dispatches call the admitBatchRow function.
import type { RowDispatch } from "./batch-schema";
import { encodeDispatch } from "./dispatch-wire";

/** The queue function (functions/src/index.ts); the Cloud Tasks emulator knows a queue by the bare function name. */
export const ADMIT_FUNCTION = "admitBatchRow";

export type EnqueueResult = "enqueued" | "exists";
export interface EnqueueOptions {
  /** Dispatch no sooner than this many seconds from now (Cloud Tasks' scheduleDelaySeconds; the emulator ignores it). */
  delaySeconds?: number;
}
/** Enqueues one dispatch under a task id; a task id already taken answers "exists" (the queue deduplicates by id). */
export type Enqueue = (dispatch: RowDispatch, taskId: string, options?: EnqueueOptions) => Promise<EnqueueResult>;

export interface EnqueuerOptions {
  /**
   * The service account Cloud Tasks calls the function as (an OIDC token). The Admin SDK finds it on Google's
   * servers; from a laptop signed in with `gcloud auth application-default login` it must be named.
   */
  serviceAccount?: string;
}

/** firebase-admin's task queue client, loaded when first needed; with CLOUD_TASKS_EMULATOR_HOST set it talks to the emulator. */
export async function createTaskQueueEnqueuer(options: EnqueuerOptions = {}): Promise<Enqueue> {
  const { getApp, getApps, initializeApp } = await import("firebase-admin/app");
  const { getFunctions } = await import("firebase-admin/functions");
  const { getDb } = await import("../pipeline/firestore");
  await getDb(); // initialises the default app with the project every tool uses
  const named = "batch-queue";
  const app = options.serviceAccount
    ? (getApps().find((a) => a.name === named) ?? initializeApp({ ...getApp().options, serviceAccountId: options.serviceAccount }, named))
    : getApp();
  const queue = getFunctions(app).taskQueue(ADMIT_FUNCTION);
  return async (dispatch, taskId, options = {}) => {
    try {
      const delay = options.delaySeconds ? { scheduleDelaySeconds: Math.round(options.delaySeconds) } : {};
      await queue.enqueue(encodeDispatch(dispatch), { id: taskId, ...delay });
      return "enqueued";
    } catch (err) {
      if ((err as { code?: string }).code === "functions/task-already-exists") return "exists";
      throw err;
    }
  };
}
