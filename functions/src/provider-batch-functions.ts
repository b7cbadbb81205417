// Provider batch mode's two Cloud Tasks queue functions (docs/provider-batch.md): `pollProviderBatches` runs one round
// of the collector and enqueues the next while anything is open; `resumeTask` runs one parked task again. Cloud Tasks
// runs in production and in the emulator alike, which Cloud Scheduler's schedules do not.
import { defineSecret } from "firebase-functions/params";
import type * as tasks from "firebase-functions/v2/tasks";
import type { Request, TaskQueueFunction } from "firebase-functions/v2/tasks";
import { PROVIDER_SECRETS } from "../../shared/providers/registry";

export type ProviderBatchFunction = TaskQueueFunction<unknown>;

const target = process.env.FUNCTION_TARGET;
const served = (name: string) => !target || target === name;

/**
 * One round at a time (maxConcurrentDispatches 1): rounds are safe at once, but gain nothing. A round waits out its
 * slot (the emulator ignores scheduleDelaySeconds), then submits, polls and stores: 540 s leaves room for a large
 * result file. The model keys: it calls the vendors' batch APIs.
 */
export const pollProviderBatches: ProviderBatchFunction | undefined = served("pollProviderBatches")
  ? define({ maxConcurrentDispatches: 1 }, async (request) => {
      const { onPollProviderBatches } = await import("./trigger-bodies");
      await onPollProviderBatches(request.data);
    })
  : undefined;

/** A resumed task runs as a task does (540 s, the model keys); many at once, as runTask. */
export const resumeTask: ProviderBatchFunction | undefined = served("resumeTask")
  ? define({ maxConcurrentDispatches: 100 }, async (request) => {
      const { onResumeTask } = await import("./trigger-bodies");
      await onResumeTask(request.data);
    })
  : undefined;

function define(
  rateLimits: { maxConcurrentDispatches: number },
  body: (request: Request<unknown>) => Promise<void>,
): ProviderBatchFunction {
  const { onTaskDispatched } = require("firebase-functions/v2/tasks") as typeof tasks;
  return onTaskDispatched(
    {
      rateLimits,
      retryConfig: { maxAttempts: 10, minBackoffSeconds: 5, maxBackoffSeconds: 300 },
      timeoutSeconds: 540,
      memory: "1GiB",
      cpu: 1,
      concurrency: 80,
      maxInstances: 5,
      secrets: PROVIDER_SECRETS.map((secret) => defineSecret(secret)),
    },
    body,
  );
}
