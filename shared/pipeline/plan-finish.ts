// How a task ends, decided from what is known (the run, the task, the job as read): status, error, successor,
// job progress and what is too large, returned as writes. Pure: no Firestore, no clock.
import { FieldValue, Timestamp, type DocumentData } from "firebase-admin/firestore";
import { TaskConfigSchema, type Payload, type TaskConfig } from "../config/config-schemas";
import { bindInputs } from "../engine/bind-inputs";
import type { RunError, TaskRecord } from "../engine/run-record";
import { USAGE_DETAIL_KEYS } from "../models/token-usage";
import { COLLECTIONS } from "../collections";
import { chainedTaskDocId, jobTaskDocId } from "./doc-ids";
import { DEFAULT_MAX_HOPS } from "./job-document";
import { fitsInDocument, type OutputDocument, type StoredRecord } from "./output-document";
import type { TaskEnvelope } from "./task-document";
import { optional, type Write } from "./writes";

export type TaskError = RunError & { issues?: { path: string; message: string }[] };

export interface FinishInput {
  taskDocId: string;
  envelope: TaskEnvelope;
  attempt: number;
  /** The delivery's claim id, so that a commit retried after it was applied is known as this delivery's. */
  claimId?: string | undefined;
  /** Absent when the document never parsed. */
  config?: TaskConfig | undefined;
  /** Absent when the task never ran (invalid document, too many attempts). */
  record?: TaskRecord | undefined;
  /** Why it failed without running. */
  error?: TaskError | undefined;
  /** A bare task's successor, from the library. */
  libraryNext?: TaskConfig | undefined;
}

/** Documents found in the way by an earlier commit of this finish, which failed with ALREADY_EXISTS. */
export interface Conflicts {
  /** outputs/{id} holds a document this attempt did not write (a task deleted and created again). */
  output?: boolean;
  /** The successor's id holds a document this chain did not write. */
  successor?: boolean;
}

export interface FinishFacts {
  input: FinishInput;
  /** The run record as the output document keeps it (storeRunRecord); absent when the task never ran. */
  stored?: StoredRecord | undefined;
  /** The job document as read; undefined for a bare task or a job document that is gone. */
  job?: DocumentData | undefined;
  now: number;
  /** The hop limit of chains of bare tasks (a job has its own max_hops). */
  bareMaxHops: number;
  conflicts: Conflicts;
}

export type FinishOutcome =
  | { kind: "finished"; status: "success" | "failed"; nextTaskDocId?: string; jobStatus?: "running" | "success" | "failed" }
  | { kind: "lost"; reason: string };

export interface FinishPlan {
  outcome: Extract<FinishOutcome, { kind: "finished" }>;
  /** One commit: the output, the task's end, the successor and the job's progress. */
  writes: Write[];
}

interface Ending {
  status: "success" | "failed";
  /** Why the task failed. */
  error?: TaskError;
  /** Why the chain stops after a task that succeeded (hop limit, a broken link): the job fails with it. */
  chainError?: TaskError;
  next?: { id: string; doc: DocumentData };
}

export function planFinish(facts: FinishFacts): FinishPlan {
  const { input } = facts;
  const ending = decideEnding(facts);
  const writes: Write[] = [];
  if (facts.stored && !facts.conflicts.output)
    writes.push({ op: "create", path: `${COLLECTIONS.outputs}/${input.taskDocId}`, data: outputDocument(facts, ending) });
  writes.push({ op: "update", path: `${COLLECTIONS.tasks}/${input.taskDocId}`, data: taskEnd(facts, ending) });
  if (ending.next) writes.push({ op: "create", path: `${COLLECTIONS.tasks}/${ending.next.id}`, data: ending.next.doc });
  const job = jobProgress(facts, ending);
  if (job) writes.push(job.write);
  const outcome = {
    kind: "finished" as const,
    status: ending.status,
    ...(ending.next ? { nextTaskDocId: ending.next.id } : {}),
    ...(job ? { jobStatus: job.status } : {}),
  };
  return { outcome, writes };
}

/** Whether the job is still on the run this task belongs to: a cancelled or restarted job gets no successor. */
const onSameRun = ({ input, job }: FinishFacts) => job !== undefined && job.run_id === input.envelope.run_id && job.status === "running";

function decideEnding(facts: FinishFacts): Ending {
  const { input, conflicts } = facts;
  const record = facts.stored?.record;
  if (conflicts.output) {
    const message = `outputs/${input.taskDocId} already holds a document from an earlier task of the same id; it was left as it is (delete it to run this task again)`;
    return { status: "failed", error: { code: "conflict", message, retryable: false } };
  }
  if (record?.status !== "success") return { status: "failed", ...optional("error", input.error ?? record?.error) };
  // The payload is never cut (the next task needs it whole): one too large to store fails the task.
  if (facts.stored!.payloadTooLarge) {
    const message = `the task's output payload is over 700,000 bytes, too large for a Firestore document; declare fewer or shorter outputs (the full values are kept in outputs/${input.taskDocId}/overflow/)`;
    return { status: "failed", error: { code: "output_too_large", message, retryable: false } };
  }
  const nextTaskId = input.config?.next_task;
  if (!nextTaskId || (input.envelope.job_id && !onSameRun(facts))) return { status: "success" };
  return decideSuccessor(facts, nextTaskId);
}

function decideSuccessor(facts: FinishFacts, nextTaskId: string): Ending {
  const { input, job } = facts;
  const jobId = input.envelope.job_id;
  const hop = input.envelope.hop;
  const nextConfig = jobId ? chainAt(job?.chain, hop) : input.libraryNext;
  const successorId = (taskId: string) =>
    jobId ? jobTaskDocId(jobId, input.envelope.run_id ?? "run1", hop + 1, taskId) : chainedTaskDocId(input.taskDocId, taskId);
  if (facts.conflicts.successor) {
    const message = `tasks/${successorId(nextTaskId)}, the id of this task's successor, already holds a document this chain did not write; it was left as it is and no successor was started`;
    return { status: "failed", error: { code: "conflict", message, retryable: false } };
  }
  if (!nextConfig) {
    const message = `next_task ${JSON.stringify(nextTaskId)} is not in the job's resolved chain`;
    return { status: "success", chainError: { code: "invalid_config", message, path: "next_task", retryable: false } };
  }
  const maxHops = jobId ? Number(job?.max_hops ?? DEFAULT_MAX_HOPS) : facts.bareMaxHops;
  if (hop + 1 > maxHops) {
    const message = `the chain reached its hop limit (${maxHops} tasks); next_task ${JSON.stringify(nextTaskId)} was not started`;
    return { status: "success", chainError: { code: "hop_limit", message, retryable: false } };
  }
  const doc = successorDocument(input, facts.stored!.record.output_payload, nextConfig);
  if (!fitsInDocument(doc)) {
    const message = `the output payload is too large to hand to next_task ${JSON.stringify(nextTaskId)} within Firestore's 1 MiB document limit`;
    return { status: "failed", error: { code: "output_too_large", message, retryable: false } };
  }
  return { status: "success", next: { id: successorId(nextConfig.task_id), doc } };
}

/** The next task's config, its declared inputs bound from this task's output, created `queued` for its own trigger. */
function successorDocument(input: FinishInput, output: Payload, next: TaskConfig): DocumentData {
  const { envelope } = input;
  const binding = bindInputs(next.input_config.payload, output);
  const warnings = binding.missing.map((name) => `input "${name}" is not in the previous task's output; using this task's default`);
  return {
    ...next,
    input_config: { payload: binding.inputs },
    ...(warnings.length ? { warnings } : {}),
    ...(envelope.job_id ? { job_id: envelope.job_id, run_id: envelope.run_id } : {}),
    ...optional("owner_uid", envelope.owner_uid),
    hop: envelope.hop + 1,
    status: "queued",
    attempts: 0,
    created_at: FieldValue.serverTimestamp(),
    previous_task_doc_id: input.taskDocId,
  };
}

function outputDocument({ input, stored }: FinishFacts, ending: Ending): OutputDocument {
  const { record } = stored!;
  const { envelope } = input;
  return {
    ...record,
    status: ending.status,
    task_doc_id: input.taskDocId,
    hop: envelope.hop,
    attempt: input.attempt,
    ...(envelope.job_id ? { job_id: envelope.job_id, run_id: envelope.run_id } : {}),
    ...optional("owner_uid", envelope.owner_uid),
    ...(ending.error && !record.error ? { error: ending.error } : {}),
  };
}

function taskEnd({ stored, now }: FinishFacts, ending: Ending): DocumentData {
  const record = stored?.record;
  return {
    status: ending.status,
    finished_at: Timestamp.fromMillis(now),
    lease_expires_at: FieldValue.delete(),
    error: ending.error ?? ending.chainError ?? FieldValue.delete(),
    ...(record ? { usage: record.usage, latency_ms: Math.round(record.latency_ms) } : {}),
    ...(record?.cost ? { cost: record.cost } : {}),
    ...(record && cachedSteps(record) > 0 ? { cached_steps: cachedSteps(record) } : {}),
    ...(ending.next ? { next_task_doc_id: ending.next.id } : {}),
  };
}

function jobProgress(facts: FinishFacts, ending: Ending): { write: Write; status: "running" | "success" | "failed" } | undefined {
  const { input, job } = facts;
  if (!input.envelope.job_id || !onSameRun(facts)) return undefined;
  const now = Timestamp.fromMillis(facts.now);
  const record = facts.stored?.record;
  const progress: DocumentData = { updated_at: now };
  if (ending.status === "success") progress.tasks_done = FieldValue.increment(1);
  if (record) Object.assign(progress, runTotals(record));
  const path = `${COLLECTIONS.jobs}/${input.envelope.job_id}`;
  const jobError = ending.status === "failed" ? ending.error : ending.chainError;
  if (jobError) {
    Object.assign(progress, { status: "failed", error: { ...jobError, task_doc_id: input.taskDocId }, finished_at: now });
    return { write: { op: "update", path, data: progress }, status: "failed" };
  }
  if (ending.next) {
    Object.assign(progress, { current_task_doc_id: ending.next.id, current_task_id: ending.next.doc.task_id as string });
    return { write: { op: "update", path, data: progress }, status: "running" };
  }
  // The job's own configs already take room; a payload that would not fit beside them stays in the output.
  const payload = record?.output_payload ?? {};
  const fits = fitsInDocument({ ...job, output_payload: payload });
  Object.assign(progress, {
    status: "success",
    finished_at: now,
    ...(fits ? { output_payload: payload } : { output_payload_ref: `outputs/${input.taskDocId}` }),
  });
  return { write: { op: "update", path, data: progress }, status: "success" };
}

/** Steps whose answer came from the response store rather than a new call. */
const cachedSteps = (record: TaskRecord) => record.steps.filter((step) => step.cached === true).length;

/**
 * The task's usage, cost and cached steps as increments of the job's totals. A detail class (thinking, cached, ...) is
 * added only when the task reports it, so that a job whose vendors never report a class has none, not a 0.
 */
function runTotals(record: TaskRecord): DocumentData {
  const totals: DocumentData = {};
  for (const field of ["prompt_tokens", "output_tokens", "total_tokens"] as const)
    totals[`usage.${field}`] = FieldValue.increment(record.usage[field]);
  for (const field of USAGE_DETAIL_KEYS) {
    const count = record.usage[field];
    if (count !== undefined) totals[`usage.${field}`] = FieldValue.increment(count);
  }
  // Cost beside the tokens, summed the same way: every billed attempt of every task of the run.
  if (record.cost) {
    for (const field of ["usd", "unpriced_tokens"] as const) totals[`cost.${field}`] = FieldValue.increment(record.cost[field]);
    // Only a task with batch-billed steps has it, so that a synchronous job holds no second, equal figure.
    if (record.cost.standard_usd !== undefined) totals["cost.standard_usd"] = FieldValue.increment(record.cost.standard_usd);
  }
  const cached = cachedSteps(record);
  if (cached > 0) totals.cached_steps = FieldValue.increment(cached);
  return totals;
}

function chainAt(chain: unknown, hop: number): TaskConfig | undefined {
  if (!Array.isArray(chain) || hop >= chain.length) return undefined;
  const parsed = TaskConfigSchema.safeParse(chain[hop]);
  return parsed.success ? parsed.data : undefined;
}
