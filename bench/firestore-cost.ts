// Benchmark 3: Firestore document reads and writes per task, counted on every call the pipeline makes.
import { randomUUID } from "node:crypto";
import { deleteApp, initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import type { DocumentSink } from "../shared/builtins/builtin-function";
import { BUILTIN_FUNCTIONS } from "../shared/builtins/builtin-registry";
import { DEFAULT_VALIDATION } from "../shared/config/validate-config";
import { DEFAULT_MODEL_TABLE } from "../shared/models/model-table";
import { jobTaskDocId } from "../shared/pipeline/doc-ids";
import { handleTaskCreated } from "../shared/pipeline/handle-task-created";
import { DEFAULT_POLICY, type PipelineDeps } from "../shared/pipeline/pipeline-deps";
import { startJob } from "../shared/pipeline/start-job";
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
  /** Over every task of the job, first (which claims) to last (which has no successor). */
  mean_reads_per_task: number;
  mean_writes_per_task: number;
  /** Operations of the successors' own triggers, which find their task claimed at creation: 0 expected. */
  backstop_trigger_ops: number;
  /** The operations of one middle task, one of the last task, of a bare task, and of the job start, in order. */
  ops: { middle_task: OpLine[]; last_task: OpLine[]; bare_task: OpLine[]; job_start: OpLine[] };
  tasks_in_job: number;
}

const noSink: DocumentSink = { description: "nowhere (benchmark)", write: async (collection, id) => `${collection}/${id}` };

/** Ids vary per run; the listing keeps only the collection shape, so runs compare line for line. */
function describe(ops: readonly FirestoreOp[]): OpLine[] {
  const shape = (path: string) => path.split("/").map((part, i) => (i % 2 ? "{id}" : part)).join("/");
  const via = { transaction: "tx", batch: "batch", direct: "ref" } as const;
  return ops.map((o) => `${via[o.via]}.${o.kind === "read" ? "get" : o.kind} ${shape(o.path)}${o.documents > 1 ? ` (${o.documents} docs)` : ""}`);
}

export async function measureFirestoreCost(options: FirestoreCostOptions = FIRESTORE_COST_DEFAULTS): Promise<FirestoreCostResult> {
  if (options.tasks < 2) throw new Error(`firestore-cost: the job needs at least 2 tasks (a middle one and the last), got ${options.tasks}`);
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
    await raw.collection("jobs").doc(jobId).create({ ...chainJob(jobId, options.tasks), status: "pending" });
    counted.take();
    const started = await startJob(deps, jobId, { fromStatuses: ["pending"] });
    if (started.kind !== "started") throw new Error(`firestore-cost: job ${jobId} did not start: ${JSON.stringify(started)}`);
    const jobStart = counted.take();
    // The created-event carries the document and its update time, as the trigger passes them on; reading it
    // here (uncounted) stands in for the event.
    const eventOf = async (id: string) => {
      const snap = await raw.collection("tasks").doc(id).get();
      return { data: snap.data()!, updateTime: snap.updateTime! };
    };
    // The entry task's trigger runs the whole chain (each successor created claimed) within its invocation's
    // time; a task's operations are those up to its "task ended" line, after the previous one's.
    const perTask: FirestoreOp[][] = [];
    deps.log = (message) => {
      if (message === "task ended") perTask.push(counted.take());
    };
    const ids = Array.from({ length: options.tasks }, (_, i) => jobTaskDocId(jobId, started.runId, i + 1, `hop${i + 1}`));
    const entryEvent = await eventOf(ids[0]!);
    counted.take();
    const outcome = await handleTaskCreated(deps, ids[0]!, { event: entryEvent, invocationDeadlineAt: Date.now() + 540_000 });
    const leftover = counted.take();
    if (leftover.length) throw new Error(`firestore-cost: ${leftover.length} operation(s) after the last task ended: ${describe(leftover).join(", ")}`);
    delete deps.log;
    const ended = outcome.kind === "finished" ? [outcome, ...(outcome.continued ?? []).map((c) => c.outcome)] : [];
    if (ended.length !== options.tasks || ended.some((o) => o.kind !== "finished" || o.status !== "success")) {
      throw new Error(`firestore-cost: the chain of job ${jobId} did not run through in one invocation: ${JSON.stringify(outcome)}`);
    }
    // The successors' own triggers, each with its created-event: the document as the chain created it (the
    // create() recorded above, its server timestamps the creation time), which finds the task claimed.
    const backstops: FirestoreOp[] = [];
    const creates = new Map(perTask.flat().filter((o) => o.kind === "create" && o.data).map((o) => [o.path, o.data!]));
    for (const id of ids.slice(1)) {
      const snap = await raw.collection("tasks").doc(id).get();
      const created = creates.get(`tasks/${id}`);
      if (!created || !snap.createTime) throw new Error(`firestore-cost: no recorded creation of tasks/${id}`);
      const data = { ...created, created_at: snap.createTime, ...("started_at" in created ? { started_at: snap.createTime } : {}) };
      counted.take();
      const backstop = await handleTaskCreated(deps, id, { event: { data, updateTime: snap.createTime }, invocationDeadlineAt: Date.now() + 540_000 });
      if (backstop.kind !== "skipped") throw new Error(`firestore-cost: the trigger of ${id} ran it again: ${JSON.stringify(backstop)}`);
      backstops.push(...counted.take());
    }

    // A bare task: a TaskConfig written straight to tasks/.
    const bareId = `bench-cost-bare-${tag}`;
    await raw.collection("tasks").doc(bareId).create(oneStepTask("bare", "Answer in one line."));
    counted.take();
    const bareEvent = await eventOf(bareId);
    counted.take();
    const bareOutcome = await handleTaskCreated(deps, bareId, { event: bareEvent });
    if (bareOutcome.kind !== "finished" || bareOutcome.status !== "success") throw new Error(`firestore-cost: the bare task ended ${JSON.stringify(bareOutcome)}`);
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
      backstop_trigger_ops: backstops.length,
      ops: { middle_task: describe(perTask[Math.floor((perTask.length - 1) / 2)]!), last_task: describe(perTask.at(-1)!), bare_task: describe(bare), job_start: describe(jobStart) },
      tasks_in_job: options.tasks,
    };
  } finally {
    await deleteApp(app);
  }
}
