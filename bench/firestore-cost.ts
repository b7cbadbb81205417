// Benchmark 3: Firestore document reads and writes per task, counted on every call the pipeline makes.
import { randomUUID } from "node:crypto";
import { deleteApp, initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import type { DocumentSink } from "../shared/builtins/builtin-function";
import { BUILTIN_FUNCTIONS } from "../shared/builtins/builtin-registry";
import { DEFAULT_VALIDATION } from "../shared/validation/validate-config";
import { DEFAULT_MODEL_TABLE } from "../shared/providers/model-table";
import { jobTaskDocId } from "../shared/pipeline/doc-ids";
import { handleTaskCreated } from "../shared/pipeline/handle-task-created";
import { DEFAULT_POLICY, type PipelineDeps } from "../shared/pipeline/pipeline-deps";
import { startJobRun } from "../shared/pipeline/start-job-run";
import { chainJob, oneStepTask } from "./bench-configs";
import { countFirestore, readsOf, writesOf, type FirestoreOp } from "./counting-firestore";
import { createFakeModel } from "./fake-model";
import { median } from "./stats";

const mean = (xs: number[]) => Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 100) / 100;

/**
 * No trigger fires in this project, so the benchmark alone drives the pipeline (the Functions emulator
 * serves the default project only, and would otherwise run the same tasks beside it).
 */
export const COST_PROJECT_ID = "demo-bench-firestore-cost";

export interface FirestoreCostOptions {
  /** Tasks in the measured job. */
  tasks: number;
}

export const FIRESTORE_COST_DEFAULTS: FirestoreCostOptions = { tasks: 5 };

/** One operation as the results file lists it: `tx.update tasks/{id}`. */
export type OpLine = string;

export interface FirestoreCostResult {
  /** Median over the job's tasks (a task in the middle of the chain). */
  reads_per_task: number;
  writes_per_task: number;
  /** A bare task (no job, no successor). */
  bare_reads_per_task: number;
  bare_writes_per_task: number;
  job_start_reads: number;
  job_start_writes: number;
  /** Over every task of the job, first to last (which has no successor). */
  mean_reads_per_task: number;
  mean_writes_per_task: number;
  /** The operations of one middle task, one of the last task, of a bare task, and of the job start, in order. */
  ops: { middle_task: OpLine[]; last_task: OpLine[]; bare_task: OpLine[]; job_start: OpLine[] };
  tasks_in_job: number;
}

const noSink: DocumentSink = { description: "nowhere (benchmark)", write: (collection, id) => Promise.resolve(`${collection}/${id}`) };

/** Ids vary per run; the listing keeps only the collection shape, so runs compare line for line. */
function describe(ops: readonly FirestoreOp[]): OpLine[] {
  const shape = (path: string) =>
    path
      .split("/")
      .map((part, i) => (i % 2 ? "{id}" : part))
      .join("/");
  const via = { transaction: "tx", batch: "batch", direct: "ref" } as const;
  return ops.map(
    (o) => `${via[o.via]}.${o.kind === "read" ? "get" : o.kind} ${shape(o.path)}${o.documents > 1 ? ` (${o.documents} docs)` : ""}`,
  );
}

export async function measureFirestoreCost(options: FirestoreCostOptions = FIRESTORE_COST_DEFAULTS): Promise<FirestoreCostResult> {
  if (options.tasks < 2)
    throw new Error(`firestore-cost: the job needs at least 2 tasks (a middle one and the last), got ${options.tasks}`);
  const app = initializeApp({ projectId: COST_PROJECT_ID }, `bench-cost-${randomUUID()}`);
  try {
    const raw = getFirestore(app);
    raw.settings({ ignoreUndefinedProperties: true });
    const counted = countFirestore(raw);
    const deps: PipelineDeps = {
      db: counted.db,
      engine: { providers: { gemini: createFakeModel() }, modelTable: DEFAULT_MODEL_TABLE, functions: BUILTIN_FUNCTIONS, sink: noSink },
      validation: DEFAULT_VALIDATION,
      policy: DEFAULT_POLICY,
    };
    const tag = randomUUID().slice(0, 8);

    // A job, driven as its triggers would: start, then each task's created-event.
    const jobId = `bench-cost-${tag}`;
    await raw
      .collection("jobs")
      .doc(jobId)
      .create({ ...chainJob(jobId, options.tasks), status: "pending" });
    counted.take();
    const started = await startJobRun(deps, jobId, { fromStatuses: ["pending"] });
    if (started.kind !== "started") throw new Error(`firestore-cost: job ${jobId} did not start: ${JSON.stringify(started)}`);
    const jobStart = counted.take();
    // The created-event carries the document and its update time, as the trigger passes them on; reading it
    // here (uncounted) stands in for the event.
    const eventOf = async (id: string) => {
      const snap = await raw.collection("tasks").doc(id).get();
      return { data: snap.data()!, updateTime: snap.updateTime! };
    };
    // Each task's own trigger, in chain order, with its created-event: claim, run, finish.
    const perTask: FirestoreOp[][] = [];
    const ids = Array.from({ length: options.tasks }, (_, i) => jobTaskDocId(jobId, started.runId, i + 1, `hop${i + 1}`));
    for (const id of ids) {
      const event = await eventOf(id);
      counted.take();
      const outcome = await handleTaskCreated(deps, id, { event });
      perTask.push(counted.take());
      if (outcome.kind !== "finished" || outcome.status !== "success")
        throw new Error(`firestore-cost: tasks/${id} ended ${JSON.stringify(outcome)}`);
    }

    // A bare task: a TaskConfig written straight to tasks/.
    const bareId = `bench-cost-bare-${tag}`;
    await raw.collection("tasks").doc(bareId).create(oneStepTask("bare", "Answer in one line."));
    counted.take();
    const bareEvent = await eventOf(bareId);
    counted.take();
    const bareOutcome = await handleTaskCreated(deps, bareId, { event: bareEvent });
    if (bareOutcome.kind !== "finished" || bareOutcome.status !== "success")
      throw new Error(`firestore-cost: the bare task ended ${JSON.stringify(bareOutcome)}`);
    const bare = counted.take();

    return {
      reads_per_task: median(perTask.map(readsOf)),
      writes_per_task: median(perTask.map(writesOf)),
      bare_reads_per_task: readsOf(bare),
      bare_writes_per_task: writesOf(bare),
      job_start_reads: readsOf(jobStart),
      job_start_writes: writesOf(jobStart),
      mean_reads_per_task: mean(perTask.map(readsOf)),
      mean_writes_per_task: mean(perTask.map(writesOf)),
      ops: {
        middle_task: describe(perTask[Math.floor((perTask.length - 1) / 2)]!),
        last_task: describe(perTask.at(-1)!),
        bare_task: describe(bare),
        job_start: describe(jobStart),
      },
      tasks_in_job: options.tasks,
    };
  } finally {
    await deleteApp(app);
  }
}
