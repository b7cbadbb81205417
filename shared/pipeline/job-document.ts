// The jobs/{id} document: a JobConfig plus run state (progress, output, totals, error).
import { z } from "zod";
import { PayloadSchema, TaskConfigSchema } from "../config/config-schemas";
import { CostSchema, RunErrorSchema } from "../engine/run-record";
import { TokenUsageSchema } from "../models/token-usage";

export const JOB_ENVELOPE_FIELDS = [
  "run_id",
  "runs",
  "chain",
  "current_task_doc_id",
  "current_task_id",
  "tasks_done",
  "output_payload",
  "output_payload_ref",
  "usage",
  "cost",
  "cached_steps",
  "error",
  "created_at",
  "started_at",
  "finished_at",
  "updated_at",
  "owner_uid",
  // A run of a batch (shared/batch/run-job.ts): its place in the batch, set when the run's job is created.
  "batch_id",
  "row_id",
  "row_index",
  "repeat",
  "model",
  "inputs",
  "batch_budget_usd",
] as const;

export const JobEnvelopeSchema = z.object({
  run_id: z.string().optional(),
  /** How many times the job was started. */
  runs: z.number().int().nonnegative().default(0),
  /** The resolved chain of this run, entry first: next_task links resolved through the job and the library. */
  chain: z.array(TaskConfigSchema).optional(),
  current_task_doc_id: z.string().optional(),
  current_task_id: z.string().optional(),
  tasks_done: z.number().int().nonnegative().default(0),
  output_payload: PayloadSchema.optional(),
  /** Instead of output_payload when the payload would not fit in the job document beside its configs. */
  output_payload_ref: z.string().optional(),
  usage: TokenUsageSchema.optional(),
  /** What the current run's model calls cost so far, summed over its tasks beside usage. */
  cost: CostSchema.optional(),
  /** Steps of the current run answered from the response store (no call, no cost); absent while there are none. */
  cached_steps: z.number().int().nonnegative().optional(),
  /** The Firebase Auth uid of the user who submitted the job (the submitJob callable); the rules let only them read it. */
  owner_uid: z.string().optional(),
  /** A batch run: its batch, row (id and index), repeat index, model key (when the batch lists models) and the row's inputs. */
  batch_id: z.string().optional(),
  row_id: z.string().optional(),
  row_index: z.number().int().nonnegative().optional(),
  repeat: z.number().int().nonnegative().optional(),
  model: z.string().optional(),
  inputs: PayloadSchema.optional(),
  /** A batch run: the batch's budget_usd, which all its runs share. */
  batch_budget_usd: z.number().positive().optional(),
  error: RunErrorSchema.extend({
    task_doc_id: z.string().optional(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }).optional(),
});
export type JobEnvelope = z.infer<typeof JobEnvelopeSchema>;

export { DEFAULT_MAX_HOPS } from "../config/config-schemas";

export function splitJobDocument(data: Record<string, unknown>): { envelope: Record<string, unknown>; config: Record<string, unknown> } {
  const envelope: Record<string, unknown> = {};
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if ((JOB_ENVELOPE_FIELDS as readonly string[]).includes(key)) envelope[key] = value;
    else config[key] = value;
  }
  return { envelope, config };
}
