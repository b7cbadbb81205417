// Ends a task in one commit: output document, task status, the successor task (created claimed when this
// invocation goes on to run it), and the job's progress.
import { FieldValue, Timestamp, type DocumentData, type DocumentReference, type Precondition } from "firebase-admin/firestore";
import { TaskConfigSchema, type TaskConfig } from "../config/config-schemas";
import { parseConfig } from "../config/validate-config";
import { bindInputs } from "../engine/bind-inputs";
import type { RunError, TaskRecord } from "../engine/run-record";
import { claimFields, type FastClaim } from "./claim-task";
import { chainedTaskDocId, jobTaskDocId } from "./doc-ids";
import { DEFAULT_MAX_HOPS } from "./job-document";
import { fitOutputDocument, fitsInDocument, overflowDocuments, type OutputDocument } from "./output-document";
import type { PipelineDeps } from "./pipeline-deps";
import type { TaskEnvelope } from "./task-document";

export type TaskError = RunError & { issues?: { path: string; message: string }[] };

export interface FinishInput {
  taskDocId: string;
  envelope: TaskEnvelope;
  attempt: number;
  /** The delivery's claim id (claimTask), so a commit retried after it was applied is known as ours. */
  claimId?: string;
  /** Absent when the document never parsed. */
  config?: TaskConfig;
  /** Absent when the task never ran (invalid document, too many attempts). */
  record?: TaskRecord;
  /** The reason it failed without running. */
  error?: TaskError;
  libraryNext?: TaskConfig;
  /** Set on the second try when the successor's id was already taken by a document this chain did not write. */
  successorConflict?: boolean;
  /** Set when outputs/{id} already holds a document this attempt did not write (a task deleted and created again). */
  outputConflict?: boolean;
}

export type FinishOutcome =
  | { kind: "finished"; status: "success" | "failed"; nextTaskDocId?: string; jobStatus?: "running" | "success" | "failed" }
  | { kind: "lost"; reason: string };

/** A successor this invocation created already claimed, to run next: its claim and its finish's guards. */
export interface Continuation {
  taskDocId: string;
  claimed: FastClaim;
}

interface Plan {
  outcome: FinishOutcome;
  /** Set when the successor is created claimed (by `claimSuccessor`); completed with the commit's time. */
  successor?: { taskDocId: string; claim: FastClaim["claim"]; job: DocumentData };
}

const ALREADY_EXISTS = 6;
/** Room left in the output document for the run record once the payload is in. */
const MAX_PAYLOAD_BYTES = 700_000;

export async function finishTask(deps: PipelineDeps, input: FinishInput): Promise<FinishOutcome> {
  const { db } = deps;
  const taskRef = db.collection("tasks").doc(input.taskDocId);
  const jobId = input.envelope.job_id;
  const jobRef = jobId ? db.collection("jobs").doc(jobId) : undefined;
  const outputRef = db.collection("outputs").doc(input.taskDocId);
  try {
    return await db.runTransaction(async (tx): Promise<FinishOutcome> => {
      const [taskSnap, jobSnap] = await Promise.all([tx.get(taskRef), jobRef ? tx.get(jobRef) : undefined]);
      const current = taskSnap.data();
      if (current && input.claimId && current.claim_id === input.claimId && (current.status === "success" || current.status === "failed")) {
        // This transaction's earlier commit was applied though its answer was lost: report it, write nothing more.
        return { kind: "finished", status: current.status, ...(current.next_task_doc_id ? { nextTaskDocId: current.next_task_doc_id } : {}) };
      }
      if (!current || current.status !== "running" || current.attempts !== input.attempt) {
        return { kind: "lost", reason: `the task moved on (status ${current?.status}, attempt ${current?.attempts}) while attempt ${input.attempt} ran` };
      }
      return planFinish(deps, input, jobSnap?.data(), tx).outcome;
    });
  } catch (err) {
    if ((err as { code?: unknown }).code !== ALREADY_EXISTS || (input.successorConflict && input.outputConflict)) throw err;
    // Found out after the fact, so the normal path spends no read on it: which document was in the way, and
    // is this attempt still the one holding the task?
    const [output, task] = await Promise.all([outputRef.get(), taskRef.get()]);
    const held = task.get("status") === "running" && task.get("attempts") === input.attempt;
    if (!held) return { kind: "lost", reason: "another attempt took the task over and finished it" };
    if (output.exists && !input.outputConflict) return finishTask(deps, { ...input, outputConflict: true });
    return finishTask(deps, { ...input, successorConflict: true });
  }
}

/**
 * The finish as one batch commit, no read: for a task claimed by claimFromEvent (or created claimed). The
 * claim's write time guards the task (no take-over since), the job's read time guards the job, create() guards
 * the output and the successor. When any guard fails (or the answer is lost), nothing was written, and the
 * transactional finish, which reads and decides, runs instead (and creates any successor queued).
 *
 * With `claimSuccessor`, a job's successor that validates is created already claimed under that claim id, and
 * returned as the continuation for this invocation to run at once.
 */
export async function finishClaimedTask(
  deps: PipelineDeps,
  input: FinishInput,
  guards: { taskWriteTime: Timestamp; job?: { data: DocumentData; updateTime: Timestamp } },
  claimSuccessor?: { claimId: string },
): Promise<FinishOutcome & { continuation?: Continuation }> {
  if (input.envelope.job_id && !guards.job) return finishTask(deps, input);
  const batch = deps.db.batch();
  const plan = planFinish(deps, input, guards.job?.data, batch, { task: guards.taskWriteTime, ...(guards.job ? { job: guards.job.updateTime } : {}) }, claimSuccessor);
  let writeTime: Timestamp;
  try {
    writeTime = (await batch.commit())[0]!.writeTime;
  } catch {
    return finishTask(deps, input);
  }
  if (!plan.successor) return plan.outcome;
  const { taskDocId, claim, job } = plan.successor;
  // One commit wrote both: the successor's creation and the job's progress carry its time.
  return { ...plan.outcome, continuation: { taskDocId, claimed: { claim, taskWriteTime: writeTime, job: { data: job, updateTime: writeTime } } } };
}

/** Transaction and WriteBatch alike: the finish's writes, optionally guarded by last-update-time preconditions. */
interface Writer {
  create(ref: DocumentReference, data: DocumentData): unknown;
  set(ref: DocumentReference, data: DocumentData): unknown;
  update(ref: DocumentReference, data: DocumentData, precondition?: Precondition): unknown;
}

const preconditionOf = (time: Timestamp | undefined): [Precondition] | [] => (time ? [{ lastUpdateTime: time }] : []);

/**
 * Decides how the task ends (status, error, successor, job progress) and issues the writes. `job` is the job
 * document as read; `preconditions` guard a batch (the claim's and the job's last update times) where a
 * transaction has already checked the same by reading.
 */
function planFinish(
  deps: PipelineDeps,
  input: FinishInput,
  job: DocumentData | undefined,
  w: Writer,
  preconditions: { task?: Timestamp; job?: Timestamp } = {},
  claimSuccessor?: { claimId: string },
): Plan {
  const { db } = deps;
  const taskRef = db.collection("tasks").doc(input.taskDocId);
  const jobId = input.envelope.job_id;
  const jobRef = jobId ? db.collection("jobs").doc(jobId) : undefined;
  const outputRef = db.collection("outputs").doc(input.taskDocId);
    const sameRun = job !== undefined && job.run_id === input.envelope.run_id && job.status === "running";
    const now = Timestamp.fromMillis((deps.now ?? Date.now)());
    const hop = input.envelope.hop;
    const record = input.record;
    let status: "success" | "failed" = record?.status === "success" ? "success" : "failed";
    let error: TaskError | undefined = input.error ?? record?.error;
    if (input.outputConflict) {
      status = "failed";
      error = { code: "conflict", message: `outputs/${input.taskDocId} already holds a document from an earlier task of the same id; it was left as it is (delete it to run this task again)`, retryable: false };
    }

    // The successor, and what stops the chain instead.
    let next: { id: string; doc: DocumentData; claimedConfig?: TaskConfig } | undefined;
    let chainError: TaskError | undefined;
    const nextTaskId = input.config?.next_task;
    if (status === "success" && nextTaskId && input.successorConflict) {
      status = "failed";
      const id = jobId ? jobTaskDocId(jobId, input.envelope.run_id ?? "run1", hop + 1, nextTaskId) : chainedTaskDocId(input.taskDocId, nextTaskId);
      error = { code: "conflict", message: `tasks/${id}, the id of this task's successor, already holds a document this chain did not write; it was left as it is and no successor was started`, retryable: false };
    } else if (status === "success" && nextTaskId && (!jobId || sameRun)) {
      const maxHops = jobId ? Number(job?.max_hops ?? DEFAULT_MAX_HOPS) : deps.policy.maxHops;
      const nextConfig = jobId ? chainAt(job?.chain, hop) : input.libraryNext;
      if (!nextConfig) {
        chainError = { code: "invalid_config", message: `next_task ${JSON.stringify(nextTaskId)} is not in the job's resolved chain`, path: "next_task", retryable: false };
      } else if (hop + 1 > maxHops) {
        chainError = { code: "hop_limit", message: `the chain reached its hop limit (${maxHops} tasks); next_task ${JSON.stringify(nextTaskId)} was not started`, retryable: false };
      } else {
        const id = jobId ? jobTaskDocId(jobId, input.envelope.run_id ?? "run1", hop + 1, nextConfig.task_id) : chainedTaskDocId(input.taskDocId, nextConfig.task_id);
        const binding = bindInputs(nextConfig.input_config.payload, record!.output_payload);
        const doc: DocumentData = {
          ...nextConfig,
          input_config: { payload: binding.inputs },
          ...(binding.missing.length
            ? { warnings: binding.missing.map((name) => `input "${name}" is not in the previous task's output; using this task's default`) }
            : {}),
          ...(jobId ? { job_id: jobId, run_id: input.envelope.run_id } : {}),
          hop: hop + 1,
          status: "queued",
          attempts: 0,
          created_at: FieldValue.serverTimestamp(),
          previous_task_doc_id: input.taskDocId,
        };
        // Created claimed only when it would pass its own claim: anything else goes to its trigger, which
        // reports it the usual way.
        const parsed = claimSuccessor && jobId ? parseConfig("task", { ...nextConfig, input_config: doc.input_config }, deps.validation) : undefined;
        // It starts when this commit lands: started_at is the commit's time, as created_at is.
        if (parsed?.ok) Object.assign(doc, claimFields(deps, claimSuccessor!.claimId, 1, now.toMillis(), true), { started_at: FieldValue.serverTimestamp() });
        if (fitsInDocument(doc)) next = { id, doc, ...(parsed?.ok ? { claimedConfig: parsed.value } : {}) };
        else {
          status = "failed";
          error = { code: "output_too_large", message: `the output payload is too large to hand to next_task ${JSON.stringify(nextTaskId)} within Firestore's 1 MiB document limit`, retryable: false };
        }
      }
    }

    // The payload is never cut (the next task needs it whole): one too large to store fails the task.
    let outputPayload = record?.output_payload;
    if (record && !fitsInDocument(record.output_payload, MAX_PAYLOAD_BYTES)) {
      status = "failed";
      error = { code: "output_too_large", message: `the task's output payload is over ${MAX_PAYLOAD_BYTES} bytes, too large for a Firestore document; declare fewer or shorter outputs (the full values are kept in outputs/${input.taskDocId}/overflow/)`, retryable: false };
      next = undefined;
      outputPayload = Object.fromEntries(Object.keys(record.output_payload).map((k) => [k, "…[too large: see overflow/]"]));
    }
    if (record && !input.outputConflict) {
      const output: OutputDocument = { ...record, output_payload: outputPayload ?? {}, status, task_doc_id: input.taskDocId, hop, attempt: input.attempt, ...(jobId ? { job_id: jobId, run_id: input.envelope.run_id } : {}) };
      if (error && !record.error) output.error = error;
      const fitted = fitOutputDocument(output);
      if (outputPayload !== record.output_payload) {
        fitted.overflows.push(...Object.entries(record.output_payload).map(([field, text]) => ({ stepIndex: -1, field: `output_payload.${field}`, text })));
      }
      w.create(outputRef, fitted.doc);
      for (const [id, piece] of overflowDocuments(input.taskDocId, fitted.overflows)) w.set(outputRef.collection("overflow").doc(id), piece);
    }
    w.update(taskRef, {
      status,
      finished_at: now,
      lease_expires_at: FieldValue.delete(),
      error: error ?? chainError ?? FieldValue.delete(),
      ...(record ? { usage: record.usage, latency_ms: Math.round(record.latency_ms) } : {}),
      ...(next ? { next_task_doc_id: next.id } : {}),
    }, ...preconditionOf(preconditions.task));
    if (next) w.create(db.collection("tasks").doc(next.id), next.doc);

    let jobStatus: "running" | "success" | "failed" | undefined;
    let jobAfter: DocumentData | undefined;
    if (jobRef && sameRun) {
      const progress: DocumentData = { updated_at: now };
      if (status === "success") progress.tasks_done = FieldValue.increment(1);
      if (record) {
        progress["usage.prompt_tokens"] = FieldValue.increment(record.usage.prompt_tokens);
        progress["usage.output_tokens"] = FieldValue.increment(record.usage.output_tokens);
        progress["usage.total_tokens"] = FieldValue.increment(record.usage.total_tokens);
      }
      const jobError = status === "failed" ? error : chainError;
      if (jobError) {
        jobStatus = "failed";
        Object.assign(progress, { status: "failed", error: { ...jobError, task_doc_id: input.taskDocId }, finished_at: now });
      } else if (next) {
        jobStatus = "running";
        Object.assign(progress, { current_task_doc_id: next.id, current_task_id: next.doc.task_id });
        // What the successor's finish needs of the job (run, status, chain, limits) is unchanged by progress.
        jobAfter = { ...job, current_task_doc_id: next.id, current_task_id: next.doc.task_id, tasks_done: Number(job?.tasks_done ?? 0) + 1 };
      } else {
        jobStatus = "success";
        // The job's own configs already take room; a payload that would not fit beside them stays in the output.
        const payload = record?.output_payload ?? {};
        const fits = fitsInDocument({ ...job, output_payload: payload });
        Object.assign(progress, { status: "success", finished_at: now, ...(fits ? { output_payload: payload } : { output_payload_ref: `outputs/${input.taskDocId}` }) });
      }
      w.update(jobRef, progress, ...preconditionOf(preconditions.job));
    }
    const outcome: FinishOutcome = { kind: "finished", status, ...(next ? { nextTaskDocId: next.id } : {}), ...(jobStatus ? { jobStatus } : {}) };
    if (!next?.claimedConfig || !jobAfter) return { outcome };
    const envelope: TaskEnvelope = { job_id: jobId, run_id: input.envelope.run_id, hop: hop + 1, status: "running", attempts: 1, previous_task_doc_id: input.taskDocId };
    const claim = { kind: "claimed" as const, envelope, attempt: 1, claimId: claimSuccessor!.claimId, config: next.claimedConfig };
    return { outcome, successor: { taskDocId: next.id, claim, job: jobAfter } };
}

function chainAt(chain: unknown, hop: number): TaskConfig | undefined {
  if (!Array.isArray(chain) || hop >= chain.length) return undefined;
  const parsed = TaskConfigSchema.safeParse(chain[hop]);
  return parsed.success ? parsed.data : undefined;
}
