// The batch: a JSONC file for the CLI and a batches/{batchId} document in Firestore. One zod schema per shape.
import { z } from "zod";
import { BudgetUsdSchema, describe, ExecutionSchema, PayloadSchema, TaskConfigSchema } from "../config/config-schemas";
import { idProblem } from "../ids";
import { CostSchema } from "../engine/run-record";
import { TokenUsageSchema } from "../models/token-usage";

/** Batch ids become part of job, task and Cloud Tasks ids; short enough that those stay far inside their limits. */
export const MAX_BATCH_ID_CHARS = 100;
/** Runs (rows x repeats x models) in one batch: each is a job, a queue task and a line of the export. */
export const MAX_BATCH_RUNS = 100_000;
export const MAX_REPEATS = 1000;

const BatchIdSchema = z
  .string({ error: (issue) => (issue.input === undefined ? "batch_id is required" : `expected a string, got ${describe(issue.input)}`) })
  .min(1, "batch_id must not be empty")
  .max(MAX_BATCH_ID_CHARS, `batch_id is at most ${MAX_BATCH_ID_CHARS} characters`)
  .superRefine((id, ctx) => {
    const problem = id ? idProblem(id) : undefined; // an empty id is min(1)'s to report
    if (problem) ctx.addIssue({ code: "custom", message: `${JSON.stringify(id)} cannot be a batch_id: ${problem}` });
  });

const text = (what: string) =>
  z.string({ error: (issue) => `expected a string, got ${describe(issue.input)}: ${what} are text (quote a number: "1")` });

/** A row: variable name -> value, every value text (as in a payload). */
export const RowSchema = z.record(z.string(), text("row values"), {
  error: (issue) => `a row is an object of variable -> text, got ${describe(issue.input)}`,
});
export type Row = z.infer<typeof RowSchema>;

/** The job template: a job without its id and status, which every row's job gets from the batch. */
export const JobTemplateInputSchema = z.record(z.string(), z.unknown(), {
  error: (issue) => `the job template is an object { task_config, task_configs }, got ${describe(issue.input)}`,
});

export const BatchMetadataSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]), {
  error: () => "metadata is an object of name -> string, number or boolean",
});

/** The batch file as a user writes it (JSONC). The job template itself is checked by the job validation. */
export const BatchFileSchema = z.strictObject({
  batch_id: BatchIdSchema,
  job: JobTemplateInputSchema,
  grid: z
    .record(z.string(), z.array(text("grid values")).min(1, "a grid variable needs at least one value"), {
      error: (issue) => `grid is an object of variable -> list of values, got ${describe(issue.input)}`,
    })
    .optional(),
  rows: z.array(RowSchema, { error: (issue) => `rows is a list of objects, got ${describe(issue.input)}` }).optional(),
  rows_file: z.string().min(1, "rows_file names a .csv or .jsonl file").optional(),
  repeats: z.number().int().min(1).max(MAX_REPEATS).optional(),
  models: z.array(z.string().min(1)).min(1, "models lists at least one model key (or leave it out)").optional(),
  /** What all the batch's runs together may spend on model calls; `job.budget_usd` is each run's own. */
  budget_usd: BudgetUsdSchema.optional(),
  /** Whether runs take stored answers (the response store); default true for a batch (its job's `cache` when it sets one). */
  cache: z.boolean({ error: (issue) => `cache is true or false, got ${describe(issue.input)}` }).optional(),
  /** How the runs' model steps are called (its job's `execution` when it sets none): `provider_batch` through the vendors' batch APIs. */
  execution: ExecutionSchema.optional(),
  metadata: BatchMetadataSchema.optional(),
});
export type BatchFile = z.infer<typeof BatchFileSchema>;

/** The template as stored: the job's chain pinned at submit (library tasks copied in), so every row runs the same chain. */
export const JobTemplateSchema = z.object({
  task_config: TaskConfigSchema,
  task_configs: z.array(TaskConfigSchema).default([]),
  max_hops: z.number().int().positive().optional(),
  /** Each run's own budget. */
  budget_usd: z.number().positive().optional(),
  /** Whether the runs take stored answers; absent in batches submitted before it existed, which then default to on. */
  cache: z.boolean().optional(),
  execution: ExecutionSchema.optional(),
});
export type JobTemplate = z.infer<typeof JobTemplateSchema>;

export const BATCH_STATUSES = ["running", "success", "failed", "cancelled"] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

const TimestampLike = z.custom<{ toMillis(): number }>(
  (v) => typeof v === "object" && v !== null && typeof (v as { toMillis?: unknown }).toMillis === "function",
);

/** batches/{batchId}: the definition (what every run needs) and the few writes of its life; never a counter. */
export const BatchDocumentSchema = z.object({
  batch_id: z.string(),
  status: z.enum(BATCH_STATUSES),
  job: JobTemplateSchema,
  /** The grid as given (rows come to each run in its queue task; the grid is small). */
  grid: z.record(z.string(), z.array(z.string())).optional(),
  /** Input rows before the grid (inline rows and rows_file together); 1 when there are none. */
  base_rows: z.number().int().positive(),
  /** base_rows x grid points. */
  rows_total: z.number().int().positive(),
  repeats: z.number().int().positive(),
  /** Empty: the chain's own model keys. */
  models: z.array(z.string()),
  /** rows_total x repeats x max(1, models): one job each. */
  runs_total: z.number().int().positive(),
  /** Every input variable of the rows, in column order. */
  variables: z.array(z.string()),
  /** The output variables of the chain's final task, in column order. */
  output_variables: z.array(z.string()),
  /** A digest of the definition: a second submit of the same file resumes; another file under the same id is refused. */
  definition_hash: z.string(),
  rows_file: z.string().optional(),
  metadata: BatchMetadataSchema.optional(),
  /** What all the batch's runs together may spend; each run's job carries it as batch_budget_usd. */
  budget_usd: z.number().positive().optional(),
  owner_uid: z.string().optional(),
  created_at: TimestampLike.optional(),
  /** Set once every run was handed to the queue; a submit that died before leaves it unset (submit again to resume). */
  enqueued_at: TimestampLike.optional(),
  finished_at: TimestampLike.optional(),
  cancelled_at: TimestampLike.optional(),
  /** How many times `retry` ran failed rows again. */
  retries: z.number().int().nonnegative().default(0),
  /** The totals written when the batch ended, so that a finished batch reads in one document. */
  final_counts: z.record(z.string(), z.number()).optional(),
  final_usage: TokenUsageSchema.optional(),
  final_cost: CostSchema.optional(),
  final_cached_steps: z.number().int().nonnegative().optional(),
});
export type BatchDocument = z.infer<typeof BatchDocumentSchema>;

/** How many times admission put this run back in the queue because its owner had their limit of runs in flight. */
const Deferrals = z.number().int().positive().optional();

/** What one queue task carries: enough to build (or rerun) one run's job without reading anything but the batch. */
export const RowDispatchSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("admit"),
    batch_id: z.string().min(1),
    row_index: z.number().int().nonnegative(),
    repeat: z.number().int().nonnegative(),
    model: z.string().optional(),
    inputs: PayloadSchema,
    deferrals: Deferrals,
  }),
  z.strictObject({ kind: z.literal("retry"), batch_id: z.string().min(1), job_id: z.string().min(1), deferrals: Deferrals }),
]);
export type RowDispatch = z.infer<typeof RowDispatchSchema>;
export type AdmitDispatch = Extract<RowDispatch, { kind: "admit" }>;
export type RetryDispatch = Extract<RowDispatch, { kind: "retry" }>;
