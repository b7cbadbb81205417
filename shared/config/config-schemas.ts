// The config model of the original design (snake_case JSON): one zod schema per shape, types inferred.
import { z } from "zod";
import { ExtractRulesSchema } from "./extract-rules";

const text = (what: string) =>
  z.string({
    error: (issue) => (issue.input === undefined ? `${what} is required` : `expected a string, got ${describe(issue.input)}`),
  });

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "number" || typeof value === "boolean") return `the ${typeof value} ${value}`;
  return typeof value === "object" ? "an object" : typeof value;
}

/** A payload maps variable names to text; the original kept every value as a string. */
export const PayloadSchema = z.record(
  z.string(),
  z.string({
    error: (issue) => {
      const hint =
        issue.input !== null && typeof issue.input === "object" ? "encode it as a JSON string" : `quote it: "${String(issue.input)}"`;
      return `expected a string, got ${describe(issue.input)}: payload values are text (${hint})`;
    },
  }),
);
export type Payload = z.infer<typeof PayloadSchema>;

export const DataConfigSchema = z.strictObject({ payload: PayloadSchema.prefault({}) });
export type DataConfig = z.infer<typeof DataConfigSchema>;

/** A step's outputs may say how each is taken from the answer (an addition to the original: extract-rules.ts). */
export const StepOutputConfigSchema = DataConfigSchema.extend({ extract: ExtractRulesSchema.optional() });
export type StepOutputConfig = z.infer<typeof StepOutputConfigSchema>;

/** Unix seconds; protobuf JSON writes int64 as a string, so numeric strings are accepted too. */
const UnixSeconds = z.preprocess(
  (v) => (typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v),
  z.number({ error: (issue) => `expected unix seconds (a number, or a string of digits), got ${describe(issue.input)}` }),
);

export const MetadataSchema = z.strictObject({
  timestamp: UnixSeconds.optional(),
  source: z.string().optional(),
  version: z.string().optional(),
});
export type Metadata = z.infer<typeof MetadataSchema>;

export const ParameterValueSchema = z.union([z.string(), z.number(), z.boolean(), z.array(z.unknown()), z.record(z.string(), z.unknown())]);
export type ParameterValue = z.infer<typeof ParameterValueSchema>;

export const ModelQueryConfigSchema = z.strictObject({
  model_key: text("model_key").min(1, "model_key must name a model (for example GEMINI_FLASH)"),
  parameters: z.record(z.string(), ParameterValueSchema).prefault({}),
  system_prompt: z.string().default(""),
  user_prompt: z.string().default(""),
});
export type ModelQueryConfig = z.infer<typeof ModelQueryConfigSchema>;

export const FunctionCallConfigSchema = z.strictObject({
  function_name: text("function_name").min(1, "function_name must name a built-in function"),
  request: z.string().default(""),
});
export type FunctionCallConfig = z.infer<typeof FunctionCallConfigSchema>;

export const STEP_TYPE_MODEL_QUERY = 0;
export const STEP_TYPE_FUNCTION_CALL = 1;
export type StepType = 0 | 1;
const STEP_TYPE_NAMES: Record<string, StepType> = {
  "0": STEP_TYPE_MODEL_QUERY,
  "1": STEP_TYPE_FUNCTION_CALL,
  STEP_TYPE_MODEL_QUERY: STEP_TYPE_MODEL_QUERY,
  STEP_TYPE_FUNCTION_CALL: STEP_TYPE_FUNCTION_CALL,
};

/** 0/1 (or "0"/"1", as protobuf JSON readers accept) or the original enum names; undefined if none of them. */
export function toStepType(value: unknown): StepType | undefined {
  if (value === undefined) return STEP_TYPE_MODEL_QUERY; // the protobuf default
  if (value === 0 || value === 1) return value;
  return typeof value === "string" ? STEP_TYPE_NAMES[value] : undefined;
}

export const StepTypeSchema = z
  .unknown()
  .optional()
  .transform((value, ctx): StepType => {
    const stepType = toStepType(value);
    if (stepType === undefined) {
      ctx.addIssue({
        code: "custom",
        message: `unknown step_type ${JSON.stringify(value) ?? String(value)}; use 0 or "STEP_TYPE_MODEL_QUERY", 1 or "STEP_TYPE_FUNCTION_CALL"`,
      });
      return z.NEVER;
    }
    return stepType;
  });

/** Which sub-config a step type needs is checked with the other semantic rules (shared/validation/validate-config.ts). */
export const StepConfigSchema = z.strictObject({
  id: z.string().default(""),
  name: z.string().default(""),
  description: z.string().default(""),
  step_type: StepTypeSchema,
  input_config: DataConfigSchema.prefault({}),
  model_query_config: ModelQueryConfigSchema.optional(),
  function_call_config: FunctionCallConfigSchema.optional(),
  output_config: StepOutputConfigSchema.prefault({}),
  metadata: MetadataSchema.optional(),
});
export type StepConfig = z.infer<typeof StepConfigSchema>;

export const TaskConfigSchema = z.strictObject({
  task_id: z.string().default(""),
  input_config: DataConfigSchema.prefault({}),
  steps: z.array(StepConfigSchema).default([]),
  output_config: DataConfigSchema.prefault({}),
  metadata: MetadataSchema.optional(),
  next_task: z.string().default(""),
});
export type TaskConfig = z.infer<typeof TaskConfigSchema>;

export const JOB_STATUSES = ["queued", "pending", "running", "success", "failed", "cancelled"] as const;
export const JobStatusSchema = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof JobStatusSchema>;

/** Default hop limit of a job (and of a chain of bare tasks) when the config sets none. */
export const DEFAULT_MAX_HOPS = 100;
/** The highest max_hops a job may set. */
export const MAX_HOPS_CEILING = 10_000;
/** USD a job's run (or a whole batch) may spend on model calls, as the price table prices them (an addition). */
export const BudgetUsdSchema = z
  .number({ error: (issue) => `budget_usd is an amount in USD (a number such as 2.5), got ${describe(issue.input)}` })
  .positive("budget_usd must be above 0 (leave it out for no budget)")
  .max(1_000_000, "budget_usd is at most 1000000");

export const EXECUTIONS = ["synchronous", "provider_batch"] as const;
export const ExecutionSchema = z.enum(EXECUTIONS, {
  error: (issue) => `execution is "synchronous" or "provider_batch", got ${describe(issue.input)}`,
});
export type Execution = z.infer<typeof ExecutionSchema>;

export const JobConfigSchema = z.strictObject({
  job_id: z.string().default(""),
  status: JobStatusSchema.default("queued"),
  task_config: TaskConfigSchema,
  /** The chain's other tasks, so that next_task ids resolve inside the job (an addition to the original). */
  task_configs: z.array(TaskConfigSchema).default([]),
  /** Stop the chain after this many tasks; guards against a runaway chain (an addition). */
  max_hops: z.number().int().positive().max(MAX_HOPS_CEILING).optional(),
  /** Stop the run before its next model call once its model calls have cost this much (an addition). */
  budget_usd: BudgetUsdSchema.optional(),
  /**
   * Take a model step's answer from the response store when the same owner asked the same before (an addition). Off
   * for a job by default: starting a job again means asking again. A batch's runs default to on (see batch-schema.ts).
   */
  cache: z.boolean({ error: (issue) => `cache is true or false, got ${describe(issue.input)}` }).optional(),
  /** How model steps are called: one by one (`synchronous`, the default), or through the vendors' batch APIs (an addition). */
  execution: ExecutionSchema.optional(),
  metadata: MetadataSchema.optional(),
});
export type JobConfig = z.infer<typeof JobConfigSchema>;

export const CONFIG_TYPES = ["step", "task", "job"] as const;
export type ConfigType = (typeof CONFIG_TYPES)[number];
export const CONFIG_SCHEMAS = { step: StepConfigSchema, task: TaskConfigSchema, job: JobConfigSchema } as const;
export type ConfigOf<T extends ConfigType> = z.infer<(typeof CONFIG_SCHEMAS)[T]>;
