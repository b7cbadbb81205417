// The bodies of provider batch mode's queue functions and the driver the pipeline parks with: Cloud Tasks through
// firebase-admin (the emulator's when CLOUD_TASKS_EMULATOR_HOST is set).
import { z } from "zod";
import type { PipelineRuntime } from "../../shared/pipeline/create-pipeline-deps";
import { handleTaskCreated } from "../../shared/pipeline/handle-task-created";
import type { PipelineDeps } from "../../shared/pipeline/pipeline-deps";
import { collectProviderBatches } from "../../shared/provider-batch/collect-provider-batches";
import { providerBatchDriver, type QueueEnqueue } from "../../shared/provider-batch/provider-batch-queues";
import { readLimits } from "../../shared/limits";
import { getDb } from "../../shared/pipeline/firestore";

const PollSchema = z.object({ not_before: z.number() });
const ResumeSchema = z.object({ task_doc_id: z.string().min(1), key: z.string().min(1) });

/** Cloud Tasks' own enqueue: an id already taken (a park of the same slot, a resume sent before) is done already. */
export const cloudTasksEnqueue: QueueEnqueue = async (queue, data, id, delaySeconds) => {
  const { getFunctions } = await import("firebase-admin/functions");
  const { getApps } = await import("firebase-admin/app");
  await getDb(); // the app every part of the pipeline uses: the first, which getDb initialises when there is none
  try {
    await getFunctions(getApps()[0])
      .taskQueue(queue)
      .enqueue(data, { id, ...(delaySeconds ? { scheduleDelaySeconds: Math.round(delaySeconds) } : {}) });
  } catch (err) {
    if ((err as { code?: string }).code !== "functions/task-already-exists") throw err;
  }
};

export function driverFor(env: NodeJS.ProcessEnv, enqueue: QueueEnqueue = cloudTasksEnqueue) {
  return providerBatchDriver(enqueue, readLimits(env).batchPollSeconds);
}

/** One collector round, after waiting out its slot; then the next round while anything is open. */
export async function pollProviderBatches(
  runtime: PipelineRuntime,
  data: unknown,
  env: NodeJS.ProcessEnv,
  log: PipelineDeps["log"],
): Promise<void> {
  const dispatch = PollSchema.safeParse(data);
  const wait = dispatch.success ? dispatch.data.not_before - Date.now() : 0;
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 120_000)));
  const limits = readLimits(env);
  const driver = runtime.deps.providerBatch ?? driverFor(env);
  const round = await collectProviderBatches(
    {
      db: runtime.deps.db,
      providers: runtime.runtime.batchProviders,
      resume: (taskDocId, key) => driver.resume(taskDocId, key),
      settings: {
        groupWindowSeconds: limits.batchGroupWindowSeconds,
        maxSubmissions: limits.batchMaxSubmissions,
        pollSeconds: limits.batchPollSeconds,
        responseTtlDays: limits.responseTtlDays,
      },
      ...(log ? { log: (message, fields, severity) => log(message, fields, severity === "error" ? "warning" : severity) } : {}),
    },
    Date.now(),
  );
  log?.("provider batch round", { ...round });
  if (round.open) await driver.schedulePoll();
}

/** Runs a parked task again: one task per invocation, as its trigger does. */
export async function resumeTask(runtime: PipelineRuntime, data: unknown, log: PipelineDeps["log"]): Promise<void> {
  const dispatch = ResumeSchema.safeParse(data);
  if (!dispatch.success) {
    log?.("resume dropped: not a resume dispatch", { data: JSON.stringify(data).slice(0, 200) }, "warning");
    return;
  }
  const outcome = await handleTaskCreated(runtime.deps, dispatch.data.task_doc_id);
  log?.("task resumed", { taskDocId: dispatch.data.task_doc_id, outcome: outcome.kind });
}
