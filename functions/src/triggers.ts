// Trigger bodies, loaded on the first event only, so that a cold start loads little more than firebase-functions.
import { logger } from "firebase-functions";
import { createPipelineRuntime, type PipelineRuntime } from "../../shared/pipeline/create-pipeline-deps";
import type { CreatedDocument } from "../../shared/pipeline/claim-task";
import { handleTaskCreated } from "../../shared/pipeline/handle-task-created";
import { startJob } from "../../shared/pipeline/start-job";
import { sweepExpiredTasks } from "../../shared/pipeline/sweep-expired-tasks";

/** Events older than this are acknowledged without work: Google's guard against endless retries. */
const MAX_EVENT_AGE_MS = 24 * 60 * 60 * 1000;

let pipeline: Promise<PipelineRuntime> | undefined;

function getPipeline(): Promise<PipelineRuntime> {
  pipeline ??= createPipelineRuntime(process.env, (message, fields) => logger.info(message, fields)).then((p) => {
    for (const line of p.runtime.banner) logger.info(line);
    return p;
  });
  return pipeline;
}

function tooOld(eventTime: string, what: string): boolean {
  const age = Date.now() - Date.parse(eventTime);
  if (age > MAX_EVENT_AGE_MS) {
    logger.error(`dropping a ${Math.round(age / 3_600_000)} h old event for ${what}: older than the retry cut-off`);
    return true;
  }
  return false;
}

/** `invocationDeadlineAt`: when the platform ends this invocation; the chain goes on in it while there is time. */
export async function onTaskCreated(taskDocId: string, eventTime: string, created: CreatedDocument | undefined, invocationDeadlineAt: number): Promise<void> {
  if (tooOld(eventTime, `tasks/${taskDocId}`)) return;
  const { deps } = await getPipeline();
  await handleTaskCreated(deps, taskDocId, { ...(created ? { event: created } : {}), invocationDeadlineAt });
}

export async function onJobCreated(jobId: string, eventTime: string): Promise<void> {
  if (tooOld(eventTime, `jobs/${jobId}`)) return;
  const { deps } = await getPipeline();
  const result = await startJob(deps, jobId, { fromStatuses: ["queued"] });
  logger.info(`job ${jobId}: ${result.kind}`, result);
}

export async function onSweep(): Promise<void> {
  const { deps } = await getPipeline();
  // As many take-overs as can each get a whole run budget within this function's 540 s; the rest, next time.
  const result = await sweepExpiredTasks(deps, { timeLimitMs: 540_000, concurrency: 40 });
  if (result.expired.length) logger.warn(`took over ${result.expired.length} task(s) whose lease had expired`, result.outcomes);
}
