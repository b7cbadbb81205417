// Validates a whole batch (the file, its job template, its rows) and plans it: every problem at once, or the plan.
import { createHash } from "node:crypto";
import { joinPath, type ConfigIssue } from "../config/config-issue";
import { STEP_TYPE_MODEL_QUERY, type JobConfig, type TaskConfig } from "../config/config-schemas";
import { measureJson, requestSizeIssue } from "../config/json-size";
import { parseConfig, zodIssues, type ValidationContext } from "../validation/validate-config";
import { DEFAULT_LIMITS } from "../limits";
import { BatchFileSchema, MAX_BATCH_RUNS, type BatchFile, type JobTemplate } from "./batch-schema";
import { checkJobSizes, checkVariables, type RowSources } from "./check-rows";
import { rowCount, rowVariables, runCount, type RunSpace } from "./expand-rows";
import type { FileRows } from "../../local/batch/read-rows-file";

export interface BatchPlan {
  batchId: string;
  /** The job every run starts from: the chain pinned at submit, library tasks copied in. */
  template: JobTemplate;
  space: RunSpace;
  rowsTotal: number;
  runsTotal: number;
  variables: string[];
  outputVariables: string[];
  definitionHash: string;
  metadata?: BatchFile["metadata"];
  rowsFile?: string;
  /** What all the runs together may spend. */
  budgetUsd?: number;
}

export type PlanResult = { ok: true; plan: BatchPlan } | { ok: false; issues: ConfigIssue[] };

export interface PlanInput {
  /** The batch file as parsed (JSONC). */
  raw: unknown;
  /** Its rows_file, read (readRowsFile), when it names one. */
  file?: FileRows;
  /** How to name the rows file in messages: the path as the batch file wrote it. */
  fileLabel?: string;
}

const TEMPLATE_FIELDS = ["task_config", "task_configs", "max_hops", "budget_usd", "cache", "execution", "metadata"];

/** `validation.libraryTasks` must hold the library tasks the template links to (readLibraryTasks). */
export function planBatch(input: PlanInput, validation: ValidationContext): PlanResult {
  const tooLarge = batchSizeIssues(input.raw, validation);
  if (tooLarge.length) return { ok: false, issues: tooLarge };
  const parsed = BatchFileSchema.safeParse(input.raw);
  const raw = (input.raw ?? {}) as Record<string, unknown>;
  const issues: ConfigIssue[] = parsed.success ? [] : zodIssues(parsed.error);
  // The batch's execution is its runs': the template is checked as a job in that mode (a model it cannot batch is refused).
  const runsJob = raw.execution !== undefined && asRecord(raw.job) ? { ...asRecord(raw.job), execution: raw.execution } : raw.job;
  const job = checkTemplate(runsJob, typeof raw.batch_id === "string" ? raw.batch_id : "batch", validation, issues);
  const parts = batchParts(raw);
  const sources = rowSources(parts, input);
  issues.push(...inputIssues(raw, parts.rows));
  const chain = job ? resolveChain(job, validation) : [];
  const template = job && pinnedTemplate(job, chain, raw.cache);
  if (job && template) issues.push(...templateIssues(job, template, sources, parts.models, chain, validation));
  // An invalid template still declares its entry task's inputs: the rows are checked against them now, not after a fix.
  else issues.push(...rowIssuesWithoutTemplate(raw.job, sources, parts.models, validation));
  const space = runSpace(parts, input.file);
  const runsTotal = runCount(space);
  issues.push(...runLimitIssues(runsTotal));
  const all = [...issues, ...(input.file?.issues ?? [])];
  if (all.length || !parsed.success || !template) return { ok: false, issues: all };
  return { ok: true, plan: batchPlan(parsed.data, template, space, runsTotal, chain) };
}

/** MAX_BATCH_BYTES, measured before anything else reads the batch (rows_file aside: the CLI reads it on the user's machine). */
export function batchSizeIssues(raw: unknown, validation: ValidationContext): ConfigIssue[] {
  const limit = (validation.limits ?? DEFAULT_LIMITS).batchRequestBytes;
  if (!measureJson(raw, limit).over) return [];
  const advice = "split it into several batches, or put long rows in a rows_file (`npm run batch -- submit`)";
  return [requestSizeIssue("batch", "MAX_BATCH_BYTES", limit, advice)];
}

/** One field of the batch file, or `undefined` when it is missing or wrong (the whole file's parse said why). */
function batchPart<K extends keyof BatchFile>(raw: Record<string, unknown>, key: K): BatchFile[K] | undefined {
  const one = BatchFileSchema.shape[key].safeParse(raw[key]);
  return one.success ? (one.data as BatchFile[K]) : undefined;
}

/** The batch's inputs and models, each checked on its own, so that one wrong field does not hide the problems of the rows. */
function batchParts(raw: Record<string, unknown>) {
  return {
    grid: batchPart(raw, "grid"),
    rows: batchPart(raw, "rows"),
    models: batchPart(raw, "models") ?? [],
    repeats: batchPart(raw, "repeats") ?? 1,
  };
}

type BatchParts = ReturnType<typeof batchParts>;

function rowSources({ grid, rows }: BatchParts, input: PlanInput): RowSources {
  return {
    ...(grid ? { grid } : {}),
    ...(rows ? { inline: rows } : {}),
    ...(input.file ? { file: input.file, fileLabel: input.fileLabel ?? "rows_file" } : {}),
  };
}

/** A batch without inputs, or with an empty rows list. */
function inputIssues(raw: Record<string, unknown>, rows: BatchParts["rows"]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (raw.grid === undefined && raw.rows === undefined && raw.rows_file === undefined) {
    issues.push({
      path: "",
      message: "a batch needs inputs: grid (variable -> list of values), rows (a list of objects) or rows_file (a .csv or .jsonl file)",
    });
  }
  if (rows && !rows.length) issues.push({ path: "rows", message: "rows is empty; list at least one row (or leave it out)" });
  return issues;
}

/**
 * The batch's `cache` (else its job's) decides its runs', on by default: a batch's retries and reruns should pay only
 * for what changed, and its samples are its repeats, which are part of every answer's key (shared/engine/response-key.ts).
 */
function pinnedTemplate(job: JobConfig, chain: readonly TaskConfig[], batchCache: unknown): JobTemplate {
  return {
    task_config: job.task_config,
    task_configs: pinnedTasks(job, chain),
    ...(job.max_hops ? { max_hops: job.max_hops } : {}),
    ...(job.budget_usd ? { budget_usd: job.budget_usd } : {}),
    cache: typeof batchCache === "boolean" ? batchCache : (job.cache ?? true),
    ...(job.execution === "provider_batch" ? { execution: job.execution } : {}),
  };
}

/** What the rows and models ask of the template: the entry task's inputs, model keys, job sizes. */
function templateIssues(
  job: JobConfig,
  template: JobTemplate,
  sources: RowSources,
  models: readonly string[],
  chain: readonly TaskConfig[],
  validation: ValidationContext,
): ConfigIssue[] {
  return [
    ...checkVariables(sources, job.task_config.task_id, Object.keys(job.task_config.input_config.payload)),
    ...checkModelKeys(models, validation),
    ...checkModelSteps(models, chain),
    ...checkJobSizes(sources, template),
  ];
}

/**
 * The checks of the rows and models that need no valid template, for a template the job validation refused: each row's
 * variables against the inputs its entry task declares (when `task_config.input_config.payload` can be read), each
 * row's size against the template as written, each model key against the model table.
 */
function rowIssuesWithoutTemplate(
  rawJob: unknown,
  sources: RowSources,
  models: readonly string[],
  validation: ValidationContext,
): ConfigIssue[] {
  const entry = declaredEntryInputs(rawJob);
  return [
    ...(entry ? checkVariables(sources, entry.taskId, entry.inputs) : []),
    ...checkModelKeys(models, validation),
    ...(isRecord(rawJob) ? checkJobSizes(sources, rawJob) : []),
  ];
}

/** The entry task's id and declared inputs as the template writes them, or undefined when they cannot be read. */
function declaredEntryInputs(rawJob: unknown): { taskId: string; inputs: string[] } | undefined {
  const task = isRecord(rawJob) ? rawJob.task_config : undefined;
  const inputConfig = isRecord(task) ? task.input_config : undefined;
  const payload = isRecord(inputConfig) ? inputConfig.payload : undefined;
  if (!isRecord(task) || !isRecord(payload)) return undefined;
  return { taskId: typeof task.task_id === "string" ? task.task_id : "", inputs: Object.keys(payload) };
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

function runSpace({ grid, rows, models, repeats }: BatchParts, file: FileRows | undefined): RunSpace {
  return {
    baseRows: [...(rows ?? []), ...(file?.rows ?? [])],
    ...(grid ? { grid } : {}),
    repeats,
    models,
  };
}

function runLimitIssues(runsTotal: number): ConfigIssue[] {
  const message = `the batch has ${runsTotal} runs (rows x repeats x models), over the limit of ${MAX_BATCH_RUNS}; split it into several batches`;
  return runsTotal > MAX_BATCH_RUNS ? [{ path: "", message }] : [];
}

function batchPlan(batch: BatchFile, template: JobTemplate, space: RunSpace, runsTotal: number, chain: readonly TaskConfig[]): BatchPlan {
  return {
    batchId: batch.batch_id,
    template,
    space,
    rowsTotal: rowCount(space),
    runsTotal,
    variables: rowVariables(space),
    outputVariables: Object.keys(chain[chain.length - 1]!.output_config.payload),
    definitionHash: hashDefinition(batch, space),
    ...(batch.metadata ? { metadata: batch.metadata } : {}),
    ...(batch.rows_file ? { rowsFile: batch.rows_file } : {}),
    ...(batch.budget_usd ? { budgetUsd: batch.budget_usd } : {}),
  };
}

const asRecord = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** The template is validated as the job each row becomes (its id and status are the batch's to set). */
function checkTemplate(raw: unknown, batchId: string, validation: ValidationContext, issues: ConfigIssue[]): JobConfig | undefined {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return undefined; // the schema said why
  const template = raw as Record<string, unknown>;
  for (const field of Object.keys(template).filter((f) => !TEMPLATE_FIELDS.includes(f))) {
    const why =
      field === "job_id" || field === "status"
        ? "each row's job gets its id and status from the batch; leave it out"
        : `unknown field (a job template has ${TEMPLATE_FIELDS.join(", ")})`;
    issues.push({ path: `job.${field}`, message: why });
  }
  const fields = Object.fromEntries(TEMPLATE_FIELDS.filter((f) => f in template).map((f) => [f, template[f]]));
  const parsed = parseConfig("job", { job_id: batchId, ...fields }, validation);
  if (!parsed.ok) issues.push(...parsed.issues.map((i) => ({ path: joinPath("job", i.path), message: i.message })));
  return parsed.ok ? parsed.value : undefined;
}

/** The chain from the entry task: the job's own tasks first, then the library (as start-job resolves it). */
function resolveChain(job: JobConfig, validation: ValidationContext): TaskConfig[] {
  const inJob = new Map(job.task_configs.map((t) => [t.task_id, t]));
  const chain = [job.task_config];
  const inChain = new Set(chain);
  for (let task = job.task_config; task.next_task;) {
    const next = inJob.get(task.next_task) ?? validation.libraryTasks?.get(task.next_task);
    if (!next || inChain.has(next)) break; // the job's validation reported it
    chain.push(next);
    inChain.add(next);
    task = next;
  }
  return chain;
}

/** The job's tasks plus the library tasks its chain reaches: a batch runs the chain as it was when submitted. */
function pinnedTasks(job: JobConfig, chain: readonly TaskConfig[]): TaskConfig[] {
  const own = new Set(job.task_configs.map((t) => t.task_id));
  return [...job.task_configs, ...chain.slice(1).filter((t) => !own.has(t.task_id))];
}

function checkModelKeys(models: readonly string[], validation: ValidationContext): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  models.forEach((key, i) => {
    if (!validation.modelTable[key])
      issues.push({
        path: `models[${i}]`,
        message: `unknown model key ${JSON.stringify(key)}; known: ${Object.keys(validation.modelTable).join(", ")}`,
      });
    if (models.indexOf(key) !== i) issues.push({ path: `models[${i}]`, message: `${JSON.stringify(key)} is listed twice` });
  });
  return issues;
}

function checkModelSteps(models: readonly string[], chain: readonly TaskConfig[]): ConfigIssue[] {
  const modelSteps = chain.flatMap((t) => t.steps).filter((s) => s.step_type === STEP_TYPE_MODEL_QUERY);
  return models.length && !modelSteps.length
    ? [{ path: "models", message: "the chain has no model step whose model could be replaced; leave models out" }]
    : [];
}

/** The definition as submitted: a resubmit of the same file hashes the same, any change to a row or the chain does not. */
function hashDefinition(batch: BatchFile, space: RunSpace): string {
  const definition = {
    job: batch.job,
    grid: batch.grid ?? null,
    rows: space.baseRows,
    repeats: space.repeats,
    models: space.models,
    metadata: batch.metadata ?? null,
    // Only when set, so that a batch without a budget (or cache) hashes as it always did.
    ...(batch.budget_usd ? { budget_usd: batch.budget_usd } : {}),
    ...(batch.cache !== undefined ? { cache: batch.cache } : {}),
    ...(batch.execution !== undefined ? { execution: batch.execution } : {}),
  };
  return createHash("sha256").update(JSON.stringify(definition)).digest("hex");
}
