// Reads the pipeline's documents (batches/, jobs/, tasks/, outputs/) into the plain shapes the views show.
// Firestore hands back untyped data; everything the page needs is picked out here, tolerant of fields a
// document does not have yet (a running task has no usage, a record written before costs existed has no cost).

export type Data = Record<string, unknown>;

export interface Usage {
  prompt_tokens: number;
  output_tokens: number;
  total_tokens: number;
}

export interface RunError {
  code: string;
  message: string;
  path?: string | undefined;
  step_id?: string | undefined;
  issues?: Array<{ path: string; message: string }> | undefined;
}

/**
 * batches/{batchId} as the batch engine (issue 11) writes it: the definition and the few writes of its life, never a
 * running counter. Counts of a running batch come from its row jobs (batch-counts.ts); an ended batch carries
 * `final_counts` (by job status) and `final_usage`.
 */
export interface BatchView {
  id: string;
  status: string;
  /** runs_total: rows x repeats x models, one job each. */
  total: number;
  /** The input variables of the rows and the outputs of the chain, in the export's column order. */
  variables: string[];
  outputVariables: string[];
  /** Model keys the batch runs every row with; empty when the chain's own are used. */
  models: string[];
  repeats: number;
  finalCounts?: Record<string, number> | undefined;
  finalUsage?: Usage | undefined;
  finalCostUsd?: number | undefined;
  createdAtMs?: number | undefined;
  finishedAtMs?: number | undefined;
  /** Who submitted it (the submitBatch callable); absent for a batch submitted from the command line. */
  ownerUid?: string | undefined;
}

export interface JobView {
  id: string;
  /** The document as read: the download's record is built from it by the export's own runRecord. */
  doc: Data;
  status: string;
  /** Who submitted it (or its batch); absent for a job written with the Admin SDK. */
  ownerUid?: string | undefined;
  batchId?: string | undefined;
  /** A batch run's row (`<batch>~<row index>`) and index in it. */
  rowId?: string | undefined;
  rowIndex?: number | undefined;
  repeat?: number | undefined;
  /** The model key a batch run used, when the batch lists models. */
  model?: string | undefined;
  runId?: string | undefined;
  /** The job's inputs: a batch row's variables, bound into the entry task's input payload. */
  inputs: Record<string, string>;
  outputs: Record<string, string>;
  /** Where the final output is when it was too large for the job document (`outputs/<task>`). */
  outputRef?: string | undefined;
  /** The final output read from `outputRef`, once read (the export's runRecord takes it the same way). */
  referencedOutputs?: Record<string, string> | undefined;
  usage?: Usage | undefined;
  costUsd?: number | undefined;
  /** What the run's batch-billed calls would have cost synchronously (provider batch mode); absent otherwise. */
  standardCostUsd?: number | undefined;
  /** Steps of the run answered from the response store; absent while there are none. */
  cachedSteps?: number | undefined;
  error?: RunError | undefined;
  tasksDone: number;
  /** How many times the job was started (a retried batch run more than once). */
  runs?: number | undefined;
  chainLength?: number | undefined;
  startedAtMs?: number | undefined;
  finishedAtMs?: number | undefined;
  latencyMs?: number | undefined;
}

export interface TaskView {
  docId: string;
  taskId: string;
  hop: number;
  status: string;
  /** Provider batch mode: since when a `waiting` task waits for a vendor batch to answer its model call. */
  waitingSinceMs?: number | undefined;
  latencyMs?: number | undefined;
  usage?: Usage | undefined;
  costUsd?: number | undefined;
  standardCostUsd?: number | undefined;
  error?: RunError | undefined;
}

export interface StepView {
  stepId: string;
  name: string;
  stepType: string;
  model?: string | undefined;
  functionName?: string | undefined;
  systemPrompt?: string | undefined;
  userPrompt?: string | undefined;
  request?: string | undefined;
  response: string | null;
  status: string;
  error?: RunError | undefined;
  latencyMs?: number | undefined;
  usage?: Usage | undefined;
  costUsd?: number | undefined;
  standardCostUsd?: number | undefined;
  /** The answer came from the response store: no call was made, nothing was paid. */
  cached: boolean;
  /** The call went through a vendor's batch API (`billing: "batch"`), at its batch price. */
  batchBilled: boolean;
  warnings: string[];
  truncated?: Record<string, number> | undefined;
  /** The document the step wrote (a firestore_log row), which its job's owner may read. */
  loggedRow?: { collection: string; documentId: string } | undefined;
}

export interface OutputView {
  status: string;
  steps: StepView[];
  error?: RunError | undefined;
  outputs: Record<string, string>;
}

const obj = (v: unknown): Data | undefined => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Data) : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** A Firestore Timestamp (web SDK), a Date, an ISO string or epoch milliseconds, as milliseconds. */
export function toMillis(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string") {
    const ms = Date.parse(v);
    return Number.isNaN(ms) ? undefined : ms;
  }
  if (v instanceof Date) return v.getTime();
  const toMs = obj(v)?.toMillis;
  return typeof toMs === "function" ? (toMs as () => number).call(v) : undefined;
}

export function strings(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(obj(v) ?? {})) out[key] = typeof value === "string" ? value : JSON.stringify(value);
  return out;
}

function usage(v: unknown): Usage | undefined {
  const u = obj(v);
  if (!u) return undefined;
  return { prompt_tokens: num(u.prompt_tokens) ?? 0, output_tokens: num(u.output_tokens) ?? 0, total_tokens: num(u.total_tokens) ?? 0 };
}

/** `cost: { usd, unpriced_tokens, standard_usd? }` (the cost fields of issues 12 and 19). */
const costUsd = (v: unknown): number | undefined => num(obj(v)?.usd);
const standardCostUsd = (v: unknown): number | undefined => num(obj(v)?.standard_usd);

function runError(v: unknown): RunError | undefined {
  const e = obj(v);
  if (!e) return undefined;
  const issues = Array.isArray(e.issues)
    ? e.issues.flatMap((i) => {
        const issue = obj(i);
        return issue ? [{ path: str(issue.path) ?? "", message: str(issue.message) ?? "" }] : [];
      })
    : undefined;
  return {
    code: str(e.code) ?? "error",
    message: str(e.message) ?? "",
    ...(str(e.path) ? { path: str(e.path) } : {}),
    ...(str(e.step_id) ? { step_id: str(e.step_id) } : {}),
    ...(issues?.length ? { issues } : {}),
  };
}

/** An error as the `path: message` lines a person reads (one per validation issue when there are some). */
export function errorLines(error: RunError): string[] {
  if (error.issues?.length) return error.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
  return [error.path ? `${error.path}: ${error.message}` : error.message];
}

const stringList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

export function readBatch(id: string, d: Data): BatchView {
  const finalCounts = obj(d.final_counts);
  return {
    id,
    status: str(d.status) ?? "running",
    total: num(d.runs_total) ?? 0,
    variables: stringList(d.variables),
    outputVariables: stringList(d.output_variables),
    models: stringList(d.models),
    repeats: num(d.repeats) ?? 1,
    finalCounts: finalCounts
      ? (Object.fromEntries(Object.entries(finalCounts).filter(([, v]) => typeof v === "number")) as Record<string, number>)
      : undefined,
    finalUsage: usage(d.final_usage),
    finalCostUsd: costUsd(d.final_cost),
    createdAtMs: toMillis(d.created_at),
    finishedAtMs: toMillis(d.finished_at),
    ownerUid: str(d.owner_uid),
  };
}

/** `outputs/<task>` when a job that succeeded holds only a reference to its final output (too large for it). */
export function outputRefOf(d: Data): string | undefined {
  const ref = str(d.output_payload_ref);
  return d.status === "success" && !obj(d.output_payload) && ref && /^outputs\/[^/]+$/.test(ref) ? ref : undefined;
}

/** `referenced`: the final output read from the job's `output_payload_ref`, when it has one and it was read. */
export function readJob(id: string, d: Data, referenced?: Record<string, string>): JobView {
  // A batch run carries its row's variables in `inputs`; any other job's inputs are its entry task's payload.
  const entryInputs = obj(d.inputs) ?? obj(obj(obj(d.task_config)?.input_config)?.payload);
  const startedAtMs = toMillis(d.started_at);
  const finishedAtMs = toMillis(d.finished_at);
  const outputRef = outputRefOf(d);
  return {
    id,
    doc: d,
    status: str(d.status) ?? "queued",
    ownerUid: str(d.owner_uid),
    batchId: str(d.batch_id),
    rowId: str(d.row_id),
    rowIndex: num(d.row_index),
    repeat: num(d.repeat),
    model: str(d.model),
    runId: str(d.run_id),
    inputs: strings(entryInputs),
    outputs: obj(d.output_payload) ? strings(d.output_payload) : (referenced ?? {}),
    ...(outputRef ? { outputRef } : {}),
    ...(referenced ? { referencedOutputs: referenced } : {}),
    usage: usage(d.usage),
    costUsd: costUsd(d.cost),
    standardCostUsd: standardCostUsd(d.cost),
    cachedSteps: num(d.cached_steps),
    error: runError(d.error),
    tasksDone: num(d.tasks_done) ?? 0,
    runs: num(d.runs),
    chainLength: Array.isArray(d.chain) ? d.chain.length : undefined,
    startedAtMs,
    finishedAtMs,
    latencyMs: num(d.latency_ms) ?? (startedAtMs !== undefined && finishedAtMs !== undefined ? finishedAtMs - startedAtMs : undefined),
  };
}

export function readTask(docId: string, d: Data): TaskView {
  return {
    docId,
    taskId: str(d.task_id) ?? docId,
    hop: num(d.hop) ?? 1,
    status: str(d.status) ?? "queued",
    waitingSinceMs: d.status === "waiting" ? toMillis(d.waiting_since) : undefined,
    latencyMs: num(d.latency_ms),
    usage: usage(d.usage),
    costUsd: costUsd(d.cost),
    standardCostUsd: standardCostUsd(d.cost),
    error: runError(d.error),
  };
}

export function readOutput(d: Data): OutputView {
  const steps = Array.isArray(d.steps) ? d.steps.map((s) => readStep(obj(s) ?? {})) : [];
  return { status: str(d.status) ?? "", steps, error: runError(d.error), outputs: strings(d.output_payload) };
}

function readStep(s: Data): StepView {
  const truncated = obj(s.truncated);
  const logged = obj(s.logged_row);
  const collection = str(logged?.collection);
  const documentId = str(logged?.document_id);
  return {
    stepId: str(s.step_id) ?? "",
    name: str(s.name) ?? str(s.step_id) ?? "",
    stepType: str(s.step_type) ?? "model_query",
    model: str(s.model),
    functionName: str(s.function_name),
    systemPrompt: str(s.system_prompt),
    userPrompt: str(s.user_prompt),
    request: str(s.request),
    response: str(s.response) ?? null,
    status: str(s.status) ?? "",
    error: runError(s.error),
    latencyMs: num(s.latency_ms),
    usage: usage(s.usage),
    costUsd: costUsd(s.cost),
    standardCostUsd: standardCostUsd(s.cost),
    cached: s.cached === true,
    batchBilled: s.billing === "batch",
    warnings: Array.isArray(s.warnings) ? s.warnings.filter((w): w is string => typeof w === "string") : [],
    truncated: truncated
      ? (Object.fromEntries(Object.entries(truncated).filter(([, v]) => typeof v === "number")) as Record<string, number>)
      : undefined,
    loggedRow: collection && documentId ? { collection, documentId } : undefined,
  };
}
