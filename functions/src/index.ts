// The deployed Cloud Functions: thin triggers that hand each Firestore event to the shared pipeline.
import { defineSecret } from "firebase-functions/params";
import { onDocumentCreated, type DocumentOptions } from "firebase-functions/v2/firestore";
import { onSchedule } from "firebase-functions/v2/scheduler";
import { PROVIDER_SECRETS } from "../../shared/providers/registry";

// Every provider's secrets (GEMINI_API_KEY, ANTHROPIC_API_KEY, OPENAI_API_KEY: each provider's definition declares its
// own). Gemini's is required; the others optional: a step whose provider has no key fails with config_error. The
// definitions load neither zod nor an SDK, so reading them here keeps the functions' load light. GEMINI_BASE_URL,
// LLM_MODEL_TABLE and the TASK_* policy numbers are plain environment variables (functions/.env): declared params with
// defaults would override the emulator's inherited environment with their defaults.
const modelSecrets = PROVIDER_SECRETS.map((name) => defineSecret(name));

/**
 * 540 s is the event-function maximum: a task runs several model calls with retries. 1 vCPU allows
 * concurrency, and a task mostly waits on the model, so one instance serves many tasks at once.
 * retry: a handler throws only when Firestore itself failed; the pipeline is idempotent, so a redelivery is safe.
 */
const TIMEOUT_SECONDS = 540;
const triggerOptions: Omit<DocumentOptions, "document"> = {
  timeoutSeconds: TIMEOUT_SECONDS,
  memory: "1GiB",
  cpu: 1,
  concurrency: 80,
  retry: true,
  secrets: modelSecrets,
};

/**
 * The most instances of each function (docs/functions.md, "Instances", has the arithmetic). runTask's 10 x 80 = 800
 * tasks in flight is what the model calls may reach at once: well above one user's limit of runs in flight, and above
 * a tier-1 quota, but a flood of many users' work queues (Eventarc redelivers, the sweep runs what is left) instead
 * of multiplying the bill. startJob's starts are short transactions; the schedules run one at a time.
 */
const MAX_INSTANCES = { runTask: 10, startJob: 5, sweepTasks: 1, settleBatches: 1 } as const;

export const runTask = onDocumentCreated(
  { ...triggerOptions, maxInstances: MAX_INSTANCES.runTask, document: "tasks/{taskDocId}" },
  async (event) => {
    const { onTaskCreated } = await import("./trigger-bodies");
    // The document as created, with its update time: the usual first delivery claims it in one write.
    const snapshot = event.data;
    const created = snapshot?.updateTime ? { data: snapshot.data(), updateTime: snapshot.updateTime } : undefined;
    await onTaskCreated(event.params.taskDocId, event.time, created);
  },
);

export const startJob = onDocumentCreated(
  { ...triggerOptions, maxInstances: MAX_INSTANCES.startJob, document: "jobs/{jobId}" },
  async (event) => {
    const { onJobCreated } = await import("./trigger-bodies");
    await onJobCreated(event.params.jobId, event.time);
  },
);

/**
 * Takes over tasks whose run died (instance crash, timeout): anything `running` past its lease. Every 5
 * minutes bounds how long a dead task waits after its 10-minute lease. (The emulator does not run schedules
 * without the Pub/Sub emulator; `npm run sweep` runs the same code by hand.)
 */
export const sweepTasks = onSchedule(
  {
    schedule: "every 5 minutes",
    timeoutSeconds: 540,
    memory: "1GiB",
    cpu: 1,
    maxInstances: MAX_INSTANCES.sweepTasks,
    secrets: modelSecrets,
  },
  async () => {
    const { onSweep } = await import("./trigger-bodies");
    await onSweep();
  },
);

// The callable through which signed-in users submit jobs, defined with its options in its own module.
export { submitJob } from "./submit-job-callable";
// The callable through which signed-in users submit batches (the page's submit form), likewise in its own module.
export { submitBatch } from "./submit-batch-callable";

// The admission queue of batches (Cloud Tasks), defined with its options in its own module.
export { admitBatchRow } from "./admit-batch-row-function";

export { pollProviderBatches, resumeTask } from "./provider-batch-functions";

// The callables through which an owner cancels a job or a batch of their own (the page's Cancel buttons).
export { cancelJob, cancelBatch } from "./cancel-callables";

/**
 * Ends running batches whose runs have all ended, for batches nobody watches (`npm run batch -- watch` ends the one it
 * follows): reading a batch's progress writes its end once. Aggregations only, no model: no secret.
 */
export const settleBatches = onSchedule(
  { schedule: "every 10 minutes", timeoutSeconds: 300, memory: "512MiB", cpu: 1, maxInstances: MAX_INSTANCES.settleBatches },
  async () => {
    const { onSettleBatches } = await import("./trigger-bodies");
    await onSettleBatches();
  },
);
