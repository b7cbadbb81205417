// Trigger bodies, loaded on the first event only, so that a cold start loads little more than firebase-functions.
import { logger } from "firebase-functions";
import type { ReadDocument } from "../../shared/pipeline/claim-task";
import { createPipelineRuntime, policyFromEnv, startUpFailure, type PipelineRuntime } from "../../shared/pipeline/create-pipeline-deps";
import { endTaskUnrun, handleTaskCreated } from "../../shared/pipeline/handle-task-created";
import { endJob } from "../../shared/pipeline/cancel-job";
import { startJobRun } from "../../shared/pipeline/start-job-run";
import type { PipelineDeps } from "../../shared/pipeline/pipeline-deps";
import { sweepStuckWork, type SweepDeps } from "../../shared/pipeline/sweep-stuck-work";
import { dispatchRow } from "../../shared/batch/dispatch-row";
import { admissionQueueOptions } from "../../shared/batch/queue-config";
import { settleBatches } from "../../shared/batch/settle-batches";
import { createTaskQueueEnqueuer, type Enqueue } from "../../shared/batch/task-queue";
import { readLimits } from "../../shared/limits";
import { getDb } from "../../shared/pipeline/firestore";
import { validationFromEnv } from "../../shared/pipeline/validation-from-env";
import { PROVIDER_SECRETS } from "../../shared/providers/registry";
import { attachEmulatorStandin } from "./emulator-standin";
import { driverFor, pollProviderBatches, resumeTask } from "./provider-batch-bodies";

/** Events older than this are acknowledged without work: Google's guard against endless retries. */
const MAX_EVENT_AGE_MS = 24 * 60 * 60 * 1000;

let pipeline: Promise<PipelineRuntime> | undefined;

const log: NonNullable<PipelineDeps["log"]> = (message, fields, severity) =>
  severity === "warning" ? logger.warn(message, fields) : logger.info(message, fields);

/** Built once per instance; a failed start-up is tried again on the next event, not kept for the instance's life. */
function getPipeline(): Promise<PipelineRuntime> {
  if (!pipeline) {
    const starting = createPipelineRuntime(
      process.env,
      log,
      // In the Functions emulator a provider without a key answers through the session's offline stand-in; deployed, never.
      process.env.FUNCTIONS_EMULATOR === "true" ? () => attachEmulatorStandin(process.env) : undefined,
    ).then((p) => ((p.deps.providerBatch = driverFor(process.env)), p));
    pipeline = starting;
    starting.then(
      (p) => [...p.runtime.banner, ...realKeyHint(p)].forEach((line) => logger.info(line)),
      () => {
        if (pipeline === starting) pipeline = undefined;
      },
    );
  }
  return pipeline;
}

/** How to leave the stand-in for the real models, once a worker has started using it. */
function realKeyHint({ runtime }: PipelineRuntime): string[] {
  if (!runtime.standin) return [];
  return [
    `To call the real models instead, put their keys in functions/.secret.local (${PROVIDER_SECRETS.map((name) => `${name}=...`).join(", ")}, ` +
      "one per line; the Functions emulator reads declared secrets from there) and restart the emulators.",
  ];
}

function tooOld(eventTime: string, what: string): boolean {
  const age = Date.now() - Date.parse(eventTime);
  if (age > MAX_EVENT_AGE_MS) {
    logger.error(
      `dropping a ${Math.round(age / 3_600_000)} h old event for ${what}: older than the retry cut-off (the sweep runs the task if it is still queued)`,
    );
    return true;
  }
  return false;
}

export async function onTaskCreated(taskDocId: string, eventTime: string, created: ReadDocument | undefined): Promise<void> {
  if (tooOld(eventTime, `tasks/${taskDocId}`)) return;
  const options = created ? { event: created } : {};
  let runtime: PipelineRuntime;
  try {
    runtime = await getPipeline();
  } catch (err) {
    // A start-up that cannot succeed (a missing key, an invalid model table) would fail every redelivery for 24 hours
    // and then be dropped: the task and its job end failed now, saying why.
    const failure = await startUpFailure(process.env, err);
    logger.error(`tasks/${taskDocId} not run: ${failure.error.message}`);
    await endTaskUnrun(failure.deps, taskDocId, failure.error, options);
    return;
  }
  await handleTaskCreated(runtime.deps, taskDocId, options);
}

export async function onJobCreated(jobId: string, eventTime: string): Promise<void> {
  if (tooOld(eventTime, `jobs/${jobId}`)) return;
  let runtime: PipelineRuntime;
  try {
    runtime = await getPipeline();
  } catch (err) {
    // As for a task: the job ends failed with the reason instead of waiting on retries that cannot succeed.
    const failure = await startUpFailure(process.env, err);
    logger.error(`jobs/${jobId} not started: ${failure.error.message}`);
    await endJob(failure.deps, jobId, "failed", failure.error, ["queued"]);
    return;
  }
  const result = await startJobRun(runtime.deps, jobId, { fromStatuses: ["queued"] });
  logger.info(`job ${jobId}: ${result.kind}`, result);
}

/**
 * The sweep builds the engine only when it runs a task it took over: reconciling jobs and ending tasks out of attempts
 * call no model, so a missing key (deployed) must not stop them. A task it cannot run then ends with config_error.
 */
export async function onSweep(): Promise<void> {
  const deps: SweepDeps = {
    db: await getDb(),
    validation: validationFromEnv(process.env),
    policy: policyFromEnv(process.env),
    log,
    engine: async () => (await getPipeline()).deps.engine,
  };
  // The schedule's 540 s: each take-over gets what is left of it, at most a whole run budget.
  const result = await sweepStuckWork(deps, { timeLimitMs: 540_000, concurrency: 80 });
  const tasks = result.expired.length + result.unstarted.length;
  if (tasks)
    logger.warn(
      `ran ${result.expired.length} task(s) whose lease had expired and ${result.unstarted.length} never started`,
      result.outcomes,
    );
  const jobs = Object.entries(result.jobs).filter(([, outcome]) => outcome !== "in progress");
  if (jobs.length) logger.warn(`reconciled ${jobs.length} job(s) left running`, Object.fromEntries(jobs));
}

let queueClient: Promise<Enqueue> | undefined;

/**
 * One dispatch of the batch admission queue. Its deps are Firestore, validation and the queue (a deferred row goes back
 * into it): it calls no model, so it neither needs nor declares the Gemini key. Throws only when Firestore or the queue
 * failed, for the queue to retry. `enqueue` replaces the Cloud Tasks client (the tests' queue).
 */
export async function onBatchRowDispatched(data: unknown, enqueue?: Enqueue): Promise<void> {
  const deps = {
    db: await getDb(),
    validation: validationFromEnv(process.env),
    maxRunsInFlight: readLimits(process.env).runningJobsPerUser,
    dispatchesPerSecond: admissionQueueOptions().rateLimits.maxDispatchesPerSecond,
    // The queue client loads only when a row is deferred.
    enqueue: enqueue ?? (async (...args) => (await (queueClient ??= createTaskQueueEnqueuer()))(...args)),
  };
  const outcome = await dispatchRow(deps, data);
  if (outcome.kind === "invalid") logger.error(`batch row not admitted: ${outcome.reason}`);
  else if (outcome.kind === "refused") logger.error(`batch row ended failed as jobs/${outcome.jobId}: ${outcome.reason}`);
  else if (outcome.kind === "deferred") {
    const { jobId, ownerUid, active, limit, delaySeconds } = outcome;
    logger.info(`batch row deferred: its owner has ${active} runs in flight, the limit of ${limit}`, { jobId, ownerUid, delaySeconds });
  } else logger.info(`batch row ${outcome.kind}`, outcome);
}

export async function onSettleBatches(): Promise<void> {
  const ended = await settleBatches(await getDb(), (message, fields) => logger.warn(message, fields));
  if (Object.keys(ended).length) logger.info(`ended ${Object.keys(ended).length} batch(es) whose runs had all ended`, ended);
}

/** One round of provider batch mode's collector (the pollProviderBatches queue); throws for the queue to retry. */
export async function onPollProviderBatches(data: unknown): Promise<void> {
  await pollProviderBatches(await getPipeline(), data, process.env, log);
}

/** One parked task run again (the resumeTask queue). */
export async function onResumeTask(data: unknown): Promise<void> {
  await resumeTask(await getPipeline(), data, log);
}
