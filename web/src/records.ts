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
  path?: string;
  step_id?: string;
  issues?: Array<{ path: string; message: string }>;
}

export interface BatchView {
  id: string;
  name: string;
  status: string;
  total: number;
  succeeded: number;
  failed: number;
  usage?: Usage;
  costUsd?: number;
  createdAtMs?: number;
  startedAtMs?: number;
  finishedAtMs?: number;
}

export interface JobView {
  id: string;
  status: string;
  batchId?: string;
  rowIndex?: number;
  runId?: string;
  /** The job's inputs: a batch row's variables, bound into the entry task's input payload. */
  inputs: Record<string, string>;
  outputs: Record<string, string>;
  usage?: Usage;
  costUsd?: number;
  error?: RunError;
  tasksDone: number;
  chainLength?: number;
  startedAtMs?: number;
  finishedAtMs?: number;
  latencyMs?: number;
}

export interface TaskView {
  docId: string;
  taskId: string;
  hop: number;
  status: string;
  latencyMs?: number;
  usage?: Usage;
  costUsd?: number;
  error?: RunError;
}

export interface StepView {
  stepId: string;
  name: string;
  stepType: string;
  model?: string;
  functionName?: string;
  systemPrompt?: string;
  userPrompt?: string;
  request?: string;
  response: string | null;
  status: string;
  error?: RunError;
  latencyMs?: number;
  usage?: Usage;
  costUsd?: number;
  warnings: string[];
  truncated?: Record<string, number>;
}

export interface OutputView {
  status: string;
  steps: StepView[];
  error?: RunError;
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

function strings(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(obj(v) ?? {})) out[key] = typeof value === "string" ? value : JSON.stringify(value);
  return out;
}

function usage(v: unknown): Usage | undefined {
  const u = obj(v);
  if (!u) return undefined;
  return { prompt_tokens: num(u.prompt_tokens) ?? 0, output_tokens: num(u.output_tokens) ?? 0, total_tokens: num(u.total_tokens) ?? 0 };
}

/** `cost: { usd, unpriced_tokens }` (the cost fields of issue 12). */
const costUsd = (v: unknown): number | undefined => num(obj(v)?.usd);

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

export function readBatch(id: string, d: Data): BatchView {
  return {
    id,
    name: str(d.name) ?? str(d.batch_id) ?? id,
    status: str(d.status) ?? "queued",
    total: num(d.total) ?? 0,
    succeeded: num(d.succeeded) ?? 0,
    failed: num(d.failed) ?? 0,
    usage: usage(d.usage),
    costUsd: costUsd(d.cost),
    createdAtMs: toMillis(d.created_at),
    startedAtMs: toMillis(d.started_at),
    finishedAtMs: toMillis(d.finished_at),
  };
}

export function readJob(id: string, d: Data): JobView {
  const entryInputs = obj(obj(obj(d.task_config)?.input_config)?.payload);
  const startedAtMs = toMillis(d.started_at);
  const finishedAtMs = toMillis(d.finished_at);
  return {
    id,
    status: str(d.status) ?? "queued",
    batchId: str(d.batch_id),
    rowIndex: num(d.row_index),
    runId: str(d.run_id),
    inputs: strings(entryInputs),
    outputs: strings(d.output_payload),
    usage: usage(d.usage),
    costUsd: costUsd(d.cost),
    error: runError(d.error),
    tasksDone: num(d.tasks_done) ?? 0,
    chainLength: Array.isArray(d.chain) ? d.chain.length : undefined,
    startedAtMs,
    finishedAtMs,
    latencyMs: startedAtMs !== undefined && finishedAtMs !== undefined ? finishedAtMs - startedAtMs : undefined,
  };
}

export function readTask(docId: string, d: Data): TaskView {
  return {
    docId,
    taskId: str(d.task_id) ?? docId,
    hop: num(d.hop) ?? 1,
    status: str(d.status) ?? "queued",
    latencyMs: num(d.latency_ms),
    usage: usage(d.usage),
    costUsd: costUsd(d.cost),
    error: runError(d.error),
  };
}

export function readOutput(d: Data): OutputView {
  const steps = Array.isArray(d.steps) ? d.steps.map((s) => readStep(obj(s) ?? {})) : [];
  return { status: str(d.status) ?? "", steps, error: runError(d.error), outputs: strings(d.output_payload) };
}

function readStep(s: Data): StepView {
  const truncated = obj(s.truncated);
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
    warnings: Array.isArray(s.warnings) ? s.warnings.filter((w): w is string => typeof w === "string") : [],
    truncated: truncated ? (Object.fromEntries(Object.entries(truncated).filter(([, v]) => typeof v === "number")) as Record<string, number>) : undefined,
  };
}
