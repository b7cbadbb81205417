// Follows one run of a job: reports each task as it starts and ends, resolves with the job when it ends.
import type { DocumentData, DocumentSnapshot, Firestore, QueryDocumentSnapshot } from "firebase-admin/firestore";
import { mapField, millisOf, numberField } from "../../shared/pipeline/document-fields";

export interface TaskProgress {
  taskDocId: string;
  taskId: string;
  hop: number;
  /** `waiting`: provider batch mode, parked until a vendor batch answers its model call (docs/provider-batch.md). */
  status: "queued" | "running" | "waiting" | "success" | "failed";
  /** While waiting: the batch_requests/ key it waits on, and since when (epoch ms). */
  waitingFor?: string;
  waitingSince?: number;
  latencyMs?: number;
  totalTokens?: number;
  /** USD of the task's model calls, from the task document's `cost` (absent for tasks that never ran). */
  cost?: TaskCost;
  error?: { code: string; message: string; step_id?: string; path?: string };
}

/** A cost as the documents hold it; `standard_usd` only where calls were paid through a vendor's batch API. */
export interface TaskCost {
  usd: number;
  unpriced_tokens: number;
  standard_usd?: number | undefined;
}

/** What a snapshot reports of a task: it started, it waits for a vendor batch, it ended. */
export type TaskChange = "started" | "waiting" | "ended";

export interface JobEnd {
  jobId: string;
  runId: string;
  status: "success" | "failed";
  outputPayload: Record<string, string>;
  tasksDone: number;
  usage: { prompt_tokens: number; output_tokens: number; total_tokens: number };
  /** USD of the run's model calls, summed over its tasks (absent on a job document written before costs existed). */
  cost?: TaskCost;
  error?: { code: string; message: string; task_doc_id?: string };
  /** Wall time from the job's start to its end, as the job document records them. */
  elapsedMs: number;
}

export interface WatchOptions {
  /** Follow this run; by default the job's current run_id. */
  runId?: string;
  onTask?: (task: TaskProgress, change: TaskChange) => void;
  timeoutMs?: number;
}

type TaskStatus = TaskProgress["status"];
/**
 * Waiting ranks above running: a task in provider batch mode goes running -> waiting -> running (resumed) -> ... and
 * may wait once per model step; its wait is reported once, and a running after it (resumed, or a stale snapshot: the
 * two look alike) is no news.
 */
const STATUS_RANK: Readonly<Record<TaskStatus, number>> = { queued: 0, running: 1, waiting: 2, success: 3, failed: 3 };

/**
 * What a task's new snapshot reports, given the status last reported (undefined: none yet). The listener and the
 * final read are two channels, so an older snapshot may arrive after a newer one; within a run a task's status only
 * moves forward by STATUS_RANK, so a step back is a stale snapshot, not a change. Undefined: the snapshot is no news (the
 * same status, or a step back); else the changes it reports, possibly none (a task now queued).
 */
export function taskChanges(before: TaskStatus | undefined, status: TaskStatus): TaskChange[] | undefined {
  if (before === status || (before !== undefined && STATUS_RANK[status] < STATUS_RANK[before])) return undefined;
  const started = status !== "queued" && (before === undefined || before === "queued");
  const waiting = status === "waiting";
  const ended = status === "success" || status === "failed";
  return [...(started ? (["started"] as const) : []), ...(waiting ? (["waiting"] as const) : []), ...(ended ? (["ended"] as const) : [])];
}

export function watchJob(db: Firestore, jobId: string, options: WatchOptions = {}): Promise<JobEnd> {
  return new Promise((resolve, reject) => {
    const seen = new Map<string, TaskProgress["status"]>();
    let unsubscribeTasks: (() => void) | undefined;
    let runId = options.runId;
    const timer = options.timeoutMs
      ? setTimeout(() => stop(new Error(`job ${jobId} did not end within ${Math.round(options.timeoutMs! / 1000)} s`)), options.timeoutMs)
      : undefined;

    const report = (doc: DocumentData, taskDocId: string) => {
      const task = toProgress(taskDocId, doc);
      const changes = taskChanges(seen.get(taskDocId), task.status);
      if (!changes) return;
      seen.set(taskDocId, task.status);
      for (const change of changes) options.onTask?.(task, change);
    };

    const tasksQuery = () => db.collection("tasks").where("job_id", "==", jobId).where("run_id", "==", runId);

    const onJobSnapshot = async (snap: DocumentSnapshot) => {
      const job = snap.data();
      if (!job) return stop(new Error(`no document jobs/${jobId}`));
      if (!runId && job.run_id) runId = job.run_id as string;
      if (runId && !unsubscribeTasks) {
        unsubscribeTasks = tasksQuery().onSnapshot((tasks) => {
          for (const doc of byHop([...tasks.docs])) report(doc.data(), doc.id);
        }, stop);
      }
      const ended = job.run_id === runId && (job.status === "success" || job.status === "failed");
      const failedToStart = !job.run_id && job.status === "failed";
      if (!ended && !failedToStart) return;
      // The job and its last task end in one transaction; read the tasks once more so no end goes unreported.
      if (runId) for (const doc of byHop((await tasksQuery().get()).docs)) report(doc.data(), doc.id);
      stop(undefined, toJobEnd(jobId, runId ?? "", job));
    };
    // A failed read of the tasks ends the watch with its error rather than as an unhandled rejection.
    const unsubscribeJob = db
      .collection("jobs")
      .doc(jobId)
      .onSnapshot(
        (snap) => void onJobSnapshot(snap).catch((err: unknown) => stop(err instanceof Error ? err : new Error(String(err)))),
        stop,
      );

    function stop(err?: Error, end?: JobEnd) {
      if (timer) clearTimeout(timer);
      unsubscribeJob();
      unsubscribeTasks?.();
      if (err) reject(err);
      else resolve(end!);
    }
  });
}

/** Sorts the task snapshots in place by hop, so tasks are reported in the order they ran. */
function byHop<T extends QueryDocumentSnapshot>(docs: T[]): T[] {
  return docs.sort((a, b) => Number(a.get("hop")) - Number(b.get("hop")));
}

function toJobEnd(jobId: string, runId: string, job: DocumentData): JobEnd {
  const started = millisOf(job.started_at) ?? 0;
  const finished = millisOf(job.finished_at) ?? started;
  const usage = mapField(job.usage);
  return {
    jobId,
    runId,
    status: job.status as JobEnd["status"],
    outputPayload: mapField(job.output_payload) as JobEnd["outputPayload"],
    tasksDone: numberField(job.tasks_done, 0),
    usage: {
      prompt_tokens: numberField(usage.prompt_tokens, 0),
      output_tokens: numberField(usage.output_tokens, 0),
      total_tokens: numberField(usage.total_tokens, 0),
    },
    ...(job.cost ? { cost: costOf(job.cost) } : {}),
    ...(job.error ? { error: job.error as NonNullable<JobEnd["error"]> } : {}),
    elapsedMs: finished - started,
  };
}

function toProgress(taskDocId: string, doc: DocumentData): TaskProgress {
  return {
    taskDocId,
    taskId: String(doc.task_id ?? ""),
    hop: Number(doc.hop ?? 1),
    status: (doc.status ?? "queued") as TaskProgress["status"],
    ...(doc.status === "waiting" && typeof doc.waiting_for === "string" ? { waitingFor: doc.waiting_for } : {}),
    ...(doc.status === "waiting" && millisOf(doc.waiting_since) !== undefined ? { waitingSince: millisOf(doc.waiting_since)! } : {}),
    ...(typeof doc.latency_ms === "number" ? { latencyMs: doc.latency_ms } : {}),
    ...(doc.usage ? { totalTokens: numberField(mapField(doc.usage).total_tokens, 0) } : {}),
    ...(doc.cost ? { cost: costOf(doc.cost) } : {}),
    ...(doc.error ? { error: doc.error as NonNullable<TaskProgress["error"]> } : {}),
  };
}

function costOf(field: unknown): TaskCost {
  const cost = mapField(field);
  return {
    usd: Number(cost.usd ?? 0),
    unpriced_tokens: Number(cost.unpriced_tokens ?? 0),
    ...(typeof cost.standard_usd === "number" ? { standard_usd: cost.standard_usd } : {}),
  };
}
