// The config model of the original design (snake_case JSON): one zod schema per shape, types inferred.
import { z } from "zod";

const text = (what: string) =>
  z.string({
    error: (issue) =>
      issue.input === undefined ? `${what} is required` : `expected a string, got ${describe(issue.input)}`,
  });

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  return typeof value === "object" ? "an object" : `the ${typeof value} ${String(value)}`;
}

/** A payload maps variable names to text; the original kept every value as a string. */
export const PayloadSchema = z.record(
  z.string(),
  z.string({
    error: (issue) =>
      `expected a string, got ${describe(issue.input)}: payload values are text (quote it: "${String(issue.input)}")`,
  }),
);
export type Payload = z.infer<typeof PayloadSchema>;

export const DataConfigSchema = z.strictObject({ payload: PayloadSchema.prefault({}) });
export type DataConfig = z.infer<typeof DataConfigSchema>;

/** Unix seconds; protobuf JSON writes int64 as a string, so numeric strings are accepted too. */
const UnixSeconds = z.union([z.number(), z.string().regex(/^\d+$/, "expected unix seconds").transform(Number)]);

export const MetadataSchema = z.strictObject({
  timestamp: UnixSeconds.optional(),
  source: z.string().optional(),
  version: z.string().optional(),
});
export type Metadata = z.infer<typeof MetadataSchema>;

export const ParameterValueSchema = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.array(z.unknown()),
  z.record(z.string(), z.unknown()),
]);
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
const STEP_TYPE_NAMES: Record<string, 0 | 1> = {
  STEP_TYPE_MODEL_QUERY: STEP_TYPE_MODEL_QUERY,
  STEP_TYPE_FUNCTION_CALL: STEP_TYPE_FUNCTION_CALL,
};

/** 0/1 or the original enum names; normalised to the number. */
export const StepTypeSchema = z.union([z.literal(0), z.literal(1), z.string()]).transform((value, ctx) => {
  if (typeof value === "number") return value;
  const mapped = STEP_TYPE_NAMES[value];
  if (mapped === undefined) {
    ctx.addIssue({
      code: "custom",
      message: `unknown step_type ${JSON.stringify(value)}; use 0 or "STEP_TYPE_MODEL_QUERY", 1 or "STEP_TYPE_FUNCTION_CALL"`,
    });
    return z.NEVER;
  }
  return mapped;
});
export type StepType = 0 | 1;

export const StepConfigSchema = z
  .strictObject({
    id: z.string().default(""),
    name: z.string().default(""),
    description: z.string().default(""),
    step_type: z.unknown().optional(),
    input_config: DataConfigSchema.prefault({}),
    model_query_config: ModelQueryConfigSchema.optional(),
    function_call_config: FunctionCallConfigSchema.optional(),
    output_config: DataConfigSchema.prefault({}),
    metadata: MetadataSchema.optional(),
  })
  // step_type is checked here rather than inline so that its error names the field even when absent-with-default.
  .transform((step, ctx) => {
    const parsed = StepTypeSchema.safeParse(step.step_type ?? 0);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ code: "custom", message: issue.message, path: ["step_type"] });
      return z.NEVER;
    }
    const step_type = parsed.data as StepType;
    if (step_type === STEP_TYPE_MODEL_QUERY && !step.model_query_config) {
      ctx.addIssue({ code: "custom", path: ["model_query_config"], message: "a model query step (step_type 0) needs model_query_config" });
    }
    if (step_type === STEP_TYPE_FUNCTION_CALL && !step.function_call_config) {
      ctx.addIssue({ code: "custom", path: ["function_call_config"], message: "a function call step (step_type 1) needs function_call_config" });
    }
    return { ...step, step_type };
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

export const JOB_STATUSES = ["queued", "pending", "running", "success", "failed"] as const;
export const JobStatusSchema = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof JobStatusSchema>;

export const JobConfigSchema = z.strictObject({
  job_id: z.string().default(""),
  status: JobStatusSchema.default("queued"),
  task_config: TaskConfigSchema,
  /** The chain's other tasks, so that next_task ids resolve inside the job (an addition to the original). */
  task_configs: z.array(TaskConfigSchema).default([]),
  /** Stop the chain after this many tasks; guards against a runaway chain (an addition). */
  max_hops: z.number().int().positive().max(10_000).optional(),
  metadata: MetadataSchema.optional(),
});
export type JobConfig = z.infer<typeof JobConfigSchema>;

export const CONFIG_TYPES = ["step", "task", "job"] as const;
export type ConfigType = (typeof CONFIG_TYPES)[number];
export const CONFIG_SCHEMAS = { step: StepConfigSchema, task: TaskConfigSchema, job: JobConfigSchema } as const;
export type ConfigOf<T extends ConfigType> = z.infer<(typeof CONFIG_SCHEMAS)[T]>;
