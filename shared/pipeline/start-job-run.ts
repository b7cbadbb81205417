// Starts a run of a job: validates it, resolves its chain, and commits the entry task to tasks/.
import { FieldValue, Timestamp, type DocumentData, type DocumentReference, type Transaction } from "firebase-admin/firestore";
import { formatIssues, type ConfigIssue } from "../config/config-issue";
import {
  JOB_STATUSES,
  JobConfigSchema,
  JobStatusSchema,
  TaskConfigSchema,
  type JobConfig,
  type TaskConfig,
} from "../config/config-schemas";
import { countLimitIssues, hopLimit } from "../config/count-limits";
import { measureJson, requestSizeIssue } from "../config/json-size";
import { parseConfig } from "../validation/validate-config";
import { idProblem } from "../ids";
import { DEFAULT_LIMITS } from "../limits";
import { ZERO_COST } from "../engine/run-record";
import { ZERO_USAGE } from "../models/token-usage";
import { COLLECTIONS } from "../collections";
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

export async function startJobRun(deps: Deps, jobId: string, options: StartJobOptions): Promise<StartJobResult> {
  const jobRef = deps.db.collection(COLLECTIONS.jobs).doc(jobId);
  return deps.db.runTransaction(async (tx): Promise<StartJobResult> => {
    const snap = await tx.get(jobRef);
    if (!snap.exists) return { kind: "not_started", reason: `no document jobs/${jobId}` };
    const { envelope, config } = splitJobDocument(snap.data()!);
    const now = Timestamp.fromMillis((deps.now ?? Date.now)());
    const given: unknown = config.status ?? "queued";
    const status = typeof given === "string" ? given : JSON.stringify(given);
    // A status outside the known ones would leave the job waiting for ever: fail it, saying why.
    if (!JobStatusSchema.safeParse(config.status ?? "queued").success) {
      const message = `unknown job status ${JSON.stringify(config.status)}; use one of ${JOB_STATUSES.join(", ")} (queued starts the job)`;
      return failInvalid(tx, jobRef, [{ path: "status", message }], now);
    }
    if (!options.fromStatuses.includes(status)) return { kind: "not_started", reason: `the job is ${status}` };
    const refused = await options.precondition?.(tx);
    if (refused) return { kind: "not_started", reason: refused };
    const checked = await checkJob(tx, deps, snap.data()!, runnableConfig(jobId, envelope, config));
    if (!checked.ok) return failInvalid(tx, jobRef, checked.issues, now);
    return commitRun(tx, deps, jobId, envelope, checked.chain, now);
  });
}

/**
 * The config to validate at start, and the problems of the job's document id. That id names the job's tasks
 * (jobTaskDocId) as it is, so it must pass the id rule like the job_id field, which usually holds it. A batch run's
 * id is composed by the batch (`<batch>~<row>~<repeat>`, from a checked batch_id) and holds the separator no user id
 * may hold: it was checked where its batch_id was. Only the Admin SDK writes batch_id.
 */
export function runnableConfig(
  jobId: string,
  envelope: Record<string, unknown>,
  config: Record<string, unknown>,
): { config: Record<string, unknown>; issues: ConfigIssue[] } {
  if (typeof envelope.batch_id === "string") return { config: { ...config, job_id: undefined }, issues: [] };
  const problem = config.job_id === jobId ? undefined : idProblem(jobId);
  const message = `the document id ${JSON.stringify(jobId)} cannot be a job_id: ${problem}`;
  return { config, issues: problem ? [{ path: "job_id", message }] : [] };
}

/**
 * The job as it will run: within MAX_JOB_BYTES and its counts (checked first, before anything is parsed), valid, its
 * chain resolved through the job and the library, within one document.
 */
async function checkJob(
  tx: Transaction,
  deps: Deps,
  data: DocumentData,
  runnable: ReturnType<typeof runnableConfig>,
): Promise<{ ok: true; chain: TaskConfig[] } | { ok: false; issues: ConfigIssue[] }> {
  const { config } = runnable;
  const limits = deps.validation.limits ?? DEFAULT_LIMITS;
  if (measureJson(config, limits.jobRequestBytes).over) {
    const advice = "split it into smaller jobs, or move long inputs out of the config";
    return { ok: false, issues: [requestSizeIssue("job", "MAX_JOB_BYTES", limits.jobRequestBytes, advice)] };
  }
  const counted = countLimitIssues("job", config, limits);
  if (counted.length) return { ok: false, issues: counted };
  // Read the library links first, so that validation knows them (next_task may name a task_configs/ document).
  const shape = JobConfigSchema.safeParse(config);
  const resolved = shape.success
    ? await resolveChain(tx, deps, shape.data)
    : { chain: [], library: new Map<string, TaskConfig>(), broken: [], issues: [] };
  // An invalid library task is reported once, by resolveChain; the chain check treats its link as present.
  const known = new Map(resolved.library);
  for (const id of resolved.broken) known.set(id, TaskConfigSchema.parse({ task_id: id }));
  const parsed = parseConfig("job", config, { ...deps.validation, libraryTasks: known });
  const issues = [...runnable.issues, ...resolved.issues, ...(parsed.ok ? [] : parsed.issues)];
  if (issues.length) return { ok: false, issues };
  if (!fitsInDocument({ ...data, chain: resolved.chain })) {
    const message =
      "the job with its resolved chain would pass Firestore's 1 MiB document limit; split it into smaller jobs or move long inputs out of the configs";
    return { ok: false, issues: [{ path: "", message }] };
  }
  return { ok: true, chain: resolved.chain };
}

function failInvalid(tx: Transaction, jobRef: DocumentReference, issues: ConfigIssue[], now: Timestamp): StartJobResult {
  const message = `invalid job (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n${formatIssues(issues)}`;
  tx.update(jobRef, {
    status: "failed",
    error: { code: "invalid_config", message, issues, retryable: false },
    finished_at: now,
    updated_at: now,
  });
  return { kind: "invalid", issues };
}

/** Commits the entry task `queued` (its trigger runs it) and the job's new run, in the start's transaction. */
async function commitRun(
  tx: Transaction,
  deps: Deps,
  jobId: string,
  envelope: Record<string, unknown>,
  chain: TaskConfig[],
  now: Timestamp,
): Promise<StartJobResult> {
  const tasks = deps.db.collection(COLLECTIONS.tasks);
  // A re-seeded or re-created job starts counting again; step past run ids whose entry task already exists.
  const entry = chain[0]!;
  const previousRuns = Number(envelope.runs ?? 0);
  let runs = previousRuns;
  let runId: string;
  let entryTaskDocId: string;
  do {
    runs++;
    runId = `run${runs}`;
    entryTaskDocId = jobTaskDocId(jobId, runId, 1, entry.task_id);
  } while ((await tx.get(tasks.doc(entryTaskDocId))).exists && runs < previousRuns + 1000);
  tx.create(tasks.doc(entryTaskDocId), {
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
  tx.update(deps.db.collection(COLLECTIONS.jobs).doc(jobId), {
    status: "running",
    run_id: runId,
    runs,
    chain,
    current_task_doc_id: entryTaskDocId,
    current_task_id: entry.task_id,
    tasks_done: 0,
    usage: ZERO_USAGE,
    cost: ZERO_COST,
    cached_steps: FieldValue.delete(),
    started_at: now,
    updated_at: now,
    output_payload: FieldValue.delete(),
    error: FieldValue.delete(),
    finished_at: FieldValue.delete(),
  });
  return { kind: "started", runId, entryTaskDocId };
}

/**
 * Follows next_task from the entry task through the job's task_configs, then the task_configs/ library; stops past
 * the hop limit (the validation that follows says so), so no job makes its start read more documents than that.
 */
async function resolveChain(
  tx: Transaction,
  deps: Deps,
  job: JobConfig,
): Promise<{ chain: TaskConfig[]; library: Map<string, TaskConfig>; broken: string[]; issues: ConfigIssue[] }> {
  const inJob = new Map(job.task_configs.map((t) => [t.task_id, t]));
  const library = new Map<string, TaskConfig>();
  const chain: TaskConfig[] = [job.task_config];
  const inChain = new Set(chain);
  const limit = hopLimit(job.max_hops);
  for (let task = job.task_config; task.next_task && chain.length <= limit;) {
    const id = task.next_task;
    let next = inJob.get(id) ?? library.get(id);
    if (!next) {
      const snap = await tx.get(deps.db.collection("task_configs").doc(id));
      if (snap.exists) {
        const parsed = parseConfig("task", snap.data(), deps.validation);
        if (!parsed.ok) {
          return {
            chain,
            library,
            broken: [id],
            issues: parsed.issues.map((i) => ({ path: `task_configs/${id}${i.path ? `.${i.path}` : ""}`, message: i.message })),
          };
        }
        next = parsed.value;
        library.set(id, next);
      }
    }
    // A dangling link or a cycle is reported by the validation that follows, with its path.
    if (!next || inChain.has(next)) break;
    chain.push(next);
    inChain.add(next);
    task = next;
  }
  return { chain, library, broken: [], issues: [] };
}
