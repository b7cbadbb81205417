// The admission queue of batches: a Cloud Tasks queue function. Each dispatch creates one run's job (`queued`), which
// the startJob trigger then starts; the queue's rate limits are what paces a batch against the model's quota.
import type * as tasks from "firebase-functions/v2/tasks";
import type { Request, TaskQueueFunction } from "firebase-functions/v2/tasks";
import { admissionQueueOptions } from "../../shared/batch/queue-config";

export type AdmitBatchRowFunction = TaskQueueFunction<unknown>;

/**
 * Defined only where it is served, like submitJob: firebase-functions' tasks provider loads its https provider and
 * with it firebase-admin/auth, which a trigger's cold start should not pay for. Deploy-time discovery sets no
 * FUNCTION_TARGET and sees it.
 */
const target = process.env.FUNCTION_TARGET;
export const admitBatchRow: AdmitBatchRowFunction | undefined = !target || target === "admitBatchRow" ? defineAdmitBatchRow() : undefined;

function defineAdmitBatchRow(): AdmitBatchRowFunction {
  const { onTaskDispatched } = require("firebase-functions/v2/tasks") as typeof tasks;
  // rateLimits and retryConfig: BATCH_* as the bundle was built (queue-config.ts says why at build time); a deploy
  // creates or updates the queue with them. One dispatch is a transaction of two reads and a create: a short call
  // that waits on Firestore, so one instance serves many at once. No model is called, so no Gemini key.
  // Enough instances for the queue's dispatches in flight at 80 each, and no more: the queue already sets the pace.
  const queue = admissionQueueOptions();
  const maxInstances = Math.max(1, Math.ceil(queue.rateLimits.maxConcurrentDispatches / 80));
  return onTaskDispatched(
    { ...queue, timeoutSeconds: 60, memory: "512MiB", cpu: 1, concurrency: 80, maxInstances },
    async (request: Request<unknown>) => {
      const { onBatchRowDispatched } = await import("./trigger-bodies");
      await onBatchRowDispatched(request.data);
    },
  );
}
