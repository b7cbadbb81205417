// The export's columns and one record per run (or per task of a job), from the documents as read. Pure, and free of
// firebase-admin, so that the results page (web/) builds its table and downloads with these very functions.
import { mapField, millisOf } from "../pipeline/document-fields";
import type { UsageDetailKey } from "../models/token-usage";
import type { BatchDocument } from "./batch-schema";

/**
 * The usage detail classes (USAGE_DETAIL_KEYS, named here so that the page does not bundle zod for them), thinking
 * first: the one most runs have.
 */
export const USAGE_DETAIL_COLUMNS = [
  "thinking_tokens",
  "cached_tokens",
  "cache_write_tokens",
  "tool_use_prompt_tokens",
] as const satisfies readonly UsageDetailKey[];

/** A document's fields as either Firestore SDK reads them (the Admin SDK's and the web SDK's DocumentData alike). */
export type DocumentData = Record<string, unknown>;

export type Value = string | number | null;
export type ExportRecord = Record<string, Value>;

/**
 * The columns that follow the variables, in every export. The usage detail columns (parts of prompt_tokens or
 * output_tokens), the cost and cached_steps are empty when the document holds no such figure: the vendor reported none
 * of that class, the run made no priced call yet, no step was answered from the response store. standard_cost_usd is
 * set only for a run whose calls went through a vendor's batch API (provider batch mode): what they would have cost
 * synchronously. `status` is the document's as it is (a task in provider batch mode may be `waiting`).
 */
/** The result columns whose cells are numbers: tokens, cost, cached steps, time and attempts. */
const NUMBER_RESULT_COLUMNS = [
  "prompt_tokens",
  "output_tokens",
  "total_tokens",
  ...USAGE_DETAIL_COLUMNS,
  "cost_usd",
  "standard_cost_usd",
  "unpriced_tokens",
  "cached_steps",
  "latency_ms",
  "attempts",
] as const;

const RESULT_COLUMNS = ["status", "error_code", "error_message", ...NUMBER_RESULT_COLUMNS] as const;

/** The columns whose cells are numbers (the page sorts them by value). */
export const NUMBER_COLUMNS: ReadonlySet<string> = new Set(["repeat", "hop", ...NUMBER_RESULT_COLUMNS]);

/**
 * Input and output variables are prefixed (`input.language`, `output.answer`): a chain often passes an input through
 * to its output under the same name, and both belong in the row.
 */
export function batchColumns(batch: Pick<BatchDocument, "variables" | "output_variables">): string[] {
  return [
    "row_id",
    "repeat",
    "model",
    ...batch.variables.map((v) => `input.${v}`),
    ...batch.output_variables.map((v) => `output.${v}`),
    ...RESULT_COLUMNS,
    "job_id",
  ];
}

/** One run: its job as read, and its final output when the job holds only a reference to it (too large to hold). */
export function runRecord(
  batch: Pick<BatchDocument, "variables" | "output_variables">,
  jobId: string,
  job: DocumentData,
  outputPayload?: Record<string, string>,
): ExportRecord {
  const inputs = fields(job.inputs);
  const outputs = job.status === "success" ? (outputPayload ?? fields(job.output_payload)) : {};
  return {
    row_id: str(job.row_id),
    repeat: num(job.repeat),
    model: str(job.model),
    ...Object.fromEntries(batch.variables.map((v) => [`input.${v}`, inputs[v] ?? null])),
    ...Object.fromEntries(batch.output_variables.map((v) => [`output.${v}`, outputs[v] ?? null])),
    ...results(job, job.runs),
    job_id: jobId,
  };
}

export function jobTaskColumns(inputs: readonly string[], outputs: readonly string[]): string[] {
  return [
    "job_id",
    "run_id",
    "hop",
    "task_id",
    "task_doc_id",
    ...inputs.map((v) => `input.${v}`),
    ...outputs.map((v) => `output.${v}`),
    ...RESULT_COLUMNS,
  ];
}

/** One task of a job's run: its bound inputs, its output document's payload, its status, usage and attempts. */
export function taskRecord(
  inputs: readonly string[],
  outputs: readonly string[],
  taskDocId: string,
  task: DocumentData,
  output?: DocumentData,
): ExportRecord {
  const given = fields(mapField(task.input_config).payload);
  const produced = fields(output?.output_payload);
  return {
    job_id: str(task.job_id),
    run_id: str(task.run_id),
    hop: num(task.hop),
    task_id: str(task.task_id),
    task_doc_id: taskDocId,
    ...Object.fromEntries(inputs.map((v) => [`input.${v}`, given[v] ?? null])),
    ...Object.fromEntries(outputs.map((v) => [`output.${v}`, produced[v] ?? null])),
    ...results(task, task.attempts),
  };
}

/** Status, error, tokens, cost, cached steps, latency and attempts (runs of a job, claims of a task). */
function results(doc: DocumentData, attempts: unknown): ExportRecord {
  const started = millisOf(doc.started_at);
  const finished = millisOf(doc.finished_at);
  const error = fields(doc.error);
  const usage = fields(doc.usage);
  const cost = fields(doc.cost);
  return {
    status: str(doc.status),
    error_code: str(error.code),
    error_message: str(error.message),
    prompt_tokens: num(usage.prompt_tokens),
    output_tokens: num(usage.output_tokens),
    total_tokens: num(usage.total_tokens),
    ...Object.fromEntries(USAGE_DETAIL_COLUMNS.map((key) => [key, num(usage[key])])),
    cost_usd: num(cost.usd),
    // What the batch-billed calls would have cost synchronously; empty for a run that made none.
    standard_cost_usd: num(cost.standard_usd),
    unpriced_tokens: num(cost.unpriced_tokens),
    cached_steps: num(doc.cached_steps),
    // A task records its own run time; a job's is from its start to its end.
    latency_ms:
      typeof doc.latency_ms === "number"
        ? doc.latency_ms
        : typeof started === "number" && typeof finished === "number"
          ? finished - started
          : null,
    attempts: num(attempts),
  };
}

const str = (v: unknown): Value => (typeof v === "string" ? v : null);
/** A map field's string and number entries, the only values the export writes. */
const fields = (v: unknown): Record<string, Value> => {
  const entries = Object.entries(mapField(v)).filter((e): e is [string, Value] => typeof e[1] === "string" || typeof e[1] === "number");
  return Object.fromEntries(entries);
};

const num = (v: unknown): Value => (typeof v === "number" ? v : null);
