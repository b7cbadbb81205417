// Starts a run of a job: validates it, resolves its chain, and commits the entry task to tasks/.
import { FieldValue, Timestamp, type Transaction } from "firebase-admin/firestore";
import { formatIssues, type ConfigIssue } from "../config/config-issue";
import { JOB_STATUSES, JobConfigSchema, JobStatusSchema, TaskConfigSchema, type JobConfig, type TaskConfig } from "../config/config-schemas";
import { parseConfig } from "../config/validate-config";
import { ZERO_COST, ZERO_USAGE } from "../engine/run-record";
import { jobTaskDocId } from "./doc-ids";
import { splitJobDocument } from "./job-document";
import { fitsInDocument } from "./output-document";
import type { PipelineDeps } from "./pipeline-deps";

export type StartJobResult =
  | { kind: "started"; runId: string; entryTaskDocId: string }
  | { kind: "invalid"; issues: ConfigIssue[] }
  | { kind: "not_started"; reason: string };

export interface StartJobOptions {
  /** Only start a job whose status is one of these (the trigger starts `queued` jobs only). */
  fromStatuses: readonly string[];
  /**
   * Read in the start's own transaction, before any write: a reason not to start, or undefined. A batch's retry
   * uses it so that a row is never started again after its batch was cancelled.
   */
  precondition?: (tx: Transaction) => Promise<string | undefined>;
}

type Deps = Pick<PipelineDeps, "db" | "validation" | "now">;

export async function startJob(deps: Deps, jobId: string, options: StartJobOptions): Promise<StartJobResult> {
  const { db } = deps;
  const jobRef = db.collection("jobs").doc(jobId);
  return db.runTransaction(async (tx): Promise<StartJobResult> => {
    const snap = await tx.get(jobRef);
    if (!snap.exists) return { kind: "not_started", reason: `no document jobs/${jobId}` };
    const { envelope, config } = splitJobDocument(snap.data()!);
    const status = String(config.status ?? "queued");
    const now = Timestamp.fromMillis((deps.now ?? Date.now)());
    // A status outside the original's five would leave the job waiting for ever: fail it, saying why.
    const knownStatus = JobStatusSchema.safeParse(config.status ?? "queued");
    if (!knownStatus.success) {
      const issues = [{ path: "status", message: `unknown job status ${JSON.stringify(config.status)}; use one of ${JOB_STATUSES.join(", ")} (queued starts the job)` }];
      tx.update(jobRef, { status: "failed", error: { code: "invalid_config", message: `invalid job (1 problem):\n${formatIssues(issues)}`, issues, retryable: false }, finished_at: now, updated_at: now });
      return { kind: "invalid", issues };
    }
    if (!options.fromStatuses.includes(status)) return { kind: "not_started", reason: `the job is ${status}` };
    const refused = await options.precondition?.(tx);
    if (refused) return { kind: "not_started", reason: refused };

    // Read the library links first, so that validation knows them (next_task may name a task_configs/ document).
    const shape = JobConfigSchema.safeParse(config);
    const resolved = shape.success ? await resolveChain(tx, deps, shape.data) : { chain: [], library: new Map<string, TaskConfig>(), broken: [], issues: [] };
    // An invalid library task is reported once, by resolveChain; the chain check treats its link as present.
    const known = new Map(resolved.library);
    for (const id of resolved.broken) known.set(id, TaskConfigSchema.parse({ task_id: id }));
    const parsed = parseConfig("job", config, { ...deps.validation, libraryTasks: known });
    let issues = [...resolved.issues, ...(parsed.ok ? [] : parsed.issues)];
    const chain = resolved.chain;
    if (!issues.length && !fitsInDocument({ ...snap.data(), chain })) {
      issues = [{ path: "", message: "the job with its resolved chain would pass Firestore's 1 MiB document limit; split it into smaller jobs or move long inputs out of the configs" }];
    }
    if (issues.length) {
      tx.update(jobRef, {
        status: "failed",
        error: { code: "invalid_config", message: `invalid job (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n${formatIssues(issues)}`, issues, retryable: false },
        finished_at: now,
        updated_at: now,
      });
      return { kind: "invalid", issues };
    }
    // A re-seeded or re-created job starts counting again; step past run ids whose entry task already exists.
    const entry = chain[0]!;
    let runs = Number(envelope.runs ?? 0);
    let runId: string;
    let entryTaskDocId: string;
    do {
      runs++;
      runId = `run${runs}`;
      entryTaskDocId = jobTaskDocId(jobId, runId, 1, entry.task_id);
    } while ((await tx.get(db.collection("tasks").doc(entryTaskDocId))).exists && runs < Number(envelope.runs ?? 0) + 1000);
    tx.create(db.collection("tasks").doc(entryTaskDocId), {
      ...entry,
      job_id: jobId,
      run_id: runId,
      // Who may read the run (firestore.rules): each task hands it to its successor and its output.
      ...(typeof envelope.owner_uid === "string" ? { owner_uid: envelope.owner_uid } : {}),
      hop: 1,
      status: "queued",
      attempts: 0,
      created_at: FieldValue.serverTimestamp(),
    });
    tx.update(jobRef, {
      status: "running",
      run_id: runId,
      runs,
      chain,
      current_task_doc_id: entryTaskDocId,
      current_task_id: entry.task_id,
      tasks_done: 0,
      usage: ZERO_USAGE,
      cost: ZERO_COST,
      started_at: now,
      updated_at: now,
      output_payload: FieldValue.delete(),
      error: FieldValue.delete(),
      finished_at: FieldValue.delete(),
    });
    return { kind: "started", runId, entryTaskDocId };
  });
}

/** Follows next_task from the entry task through the job's task_configs, then the task_configs/ library. */
async function resolveChain(
  tx: Transaction,
  deps: Deps,
  job: JobConfig,
): Promise<{ chain: TaskConfig[]; library: Map<string, TaskConfig>; broken: string[]; issues: ConfigIssue[] }> {
  const inJob = new Map(job.task_configs.map((t) => [t.task_id, t]));
  const library = new Map<string, TaskConfig>();
  const chain: TaskConfig[] = [job.task_config];
  for (let task = job.task_config; task.next_task; ) {
    const id = task.next_task;
    let next = inJob.get(id) ?? library.get(id);
    if (!next) {
      const snap = await tx.get(deps.db.collection("task_configs").doc(id));
      if (snap.exists) {
        const parsed = parseConfig("task", snap.data(), deps.validation);
        if (!parsed.ok) {
          return { chain, library, broken: [id], issues: parsed.issues.map((i) => ({ path: `task_configs/${id}${i.path ? `.${i.path}` : ""}`, message: i.message })) };
        }
        next = parsed.value;
        library.set(id, next);
      }
    }
    // A dangling link or a cycle is reported by the validation that follows, with its path.
    if (!next || chain.includes(next)) break;
    chain.push(next);
    task = next;
  }
  return { chain, library, broken: [], issues: [] };
}
