// The run record: what happened in every step and in the task, as stored in outputs/ and printed by --json.
import { z } from "zod";
import { PayloadSchema } from "../config/config-schemas";
import { TokenUsageSchema } from "../models/token-usage";

/** What calls cost, beside their usage: priced from the price table (shared/models/price-table.ts). */
export const CostSchema = z.object({
  /** USD for the tokens whose model has a price. */
  usd: z.number(),
  /** Tokens of calls whose model has no price in the table: not in `usd`, so a total that misses them says so. */
  unpriced_tokens: z.number(),
  /**
   * What the same calls would have cost synchronously (at the standard prices): set when a step was paid through a
   * vendor's batch API (`billing: "batch"`), so that a run in provider batch mode shows both.
   */
  standard_usd: z.number().optional(),
});
export type Cost = z.infer<typeof CostSchema>;

export const ERROR_CODES = [
  "invalid_config", // the task or job document is malformed: never retried
  "unresolved_variable", // strict mode: a %name% named no input
  "model_error", // the model call failed (after retries when retryable)
  "model_blocked", // safety block, recitation, empty answer: the model's own refusal
  "function_error", // a built-in function failed
  "deadline_exceeded", // the run's time budget ran out (or the run was stopped while waiting to retry)
  "quota_exhausted", // a 429 asked to wait longer than the run's remaining budget (lower the batch rate or raise the quota), or the account is out of credits (add credits)
  "output_truncated", // a JSON answer (or an answer with no text) was cut at max_output_tokens
  "extraction_failed", // an output_config.extract rule found nothing in the answer, or a JSON answer broke its response_schema
  "hop_limit", // a job's chain reached its max_hops
  "invalid_value", // a value interpolated outside a JSON string of a function call's request is not exactly one JSON value
  "prompt_too_large", // an interpolated prompt or request passed the configured size limit
  "limit_exceeded", // the task passed one of the deployment's limits on work (steps, what a run holds, the answer rules run on)
  "output_too_large", // the output would not fit in a Firestore document
  "conflict", // a document this chain would create already exists, written by someone else
  "config_error", // the deployment is misconfigured (a missing secret, an invalid model table): fix it and start again
  "cancelled", // the job was cancelled (or started again) before this task ran
  "budget_exceeded", // a budget (the job's or the batch's budget_usd, the owner's daily ceiling) was spent: the next model call was not made
  "internal", // a bug: report it
] as const;
export const ErrorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export const RunErrorSchema = z.object({
  code: ErrorCodeSchema,
  message: z.string(),
  /** The step that failed, when one did. */
  step_id: z.string().optional(),
  /** JSON path in the task config, e.g. `steps[1].model_query_config.user_prompt`. */
  path: z.string().optional(),
  /** Model or function calls made for the failing step, retries included. */
  attempts: z.number().optional(),
  /** HTTP status of the failing model call, when there was one. */
  status: z.number().optional(),
  retryable: z.boolean(),
});
export type RunError = z.infer<typeof RunErrorSchema>;

export const StepRecordSchema = z.object({
  step_id: z.string(),
  name: z.string(),
  step_type: z.enum(["model_query", "function_call"]),
  model_key: z.string().optional(),
  /** The provider's model name that model_key resolved to. */
  model: z.string().optional(),
  function_name: z.string().optional(),
  system_prompt: z.string().optional(),
  user_prompt: z.string().optional(),
  request: z.string().optional(),
  response: z.string().nullable(),
  finish_reason: z.string().optional(),
  status: z.enum(["success", "failed"]),
  error: RunErrorSchema.optional(),
  latency_ms: z.number(),
  attempts: z.number(),
  usage: TokenUsageSchema,
  /** Model steps only: the cost of every billed attempt. */
  cost: CostSchema.optional(),
  /** Model steps only: the answer was the response store's (the job's `cache`), not a new call: no attempt, no usage, no cost. */
  cached: z.boolean().optional(),
  /** Model steps only: `batch` when the call went through a vendor's batch API (priced at its batch price). */
  billing: z.enum(["standard", "batch"]).optional(),
  warnings: z.array(z.string()),
  /** The document a function-call step wrote (firestore_log's row), so that the page can show it to its owner. */
  logged_row: z.object({ collection: z.string(), document_id: z.string() }).optional(),
  /** Set when a long field was cut to fit a Firestore document: which fields, and their full lengths. */
  truncated: z.record(z.string(), z.number()).optional(),
});
export type StepRecord = z.infer<typeof StepRecordSchema>;

/** A model call a run in provider batch mode waits for: its response key, and what it asks. */
export const WaitingCallSchema = z.object({
  step_id: z.string(),
  key: z.string(),
  provider: z.string(),
  model: z.string(),
  route: z.record(z.string(), z.unknown()),
  request: z.object({ system_prompt: z.string(), user_prompt: z.string(), generation_config: z.record(z.string(), z.unknown()) }),
});
export type WaitingCall = z.infer<typeof WaitingCallSchema>;

export const TaskRecordSchema = z.object({
  task_id: z.string(),
  execution_id: z.string(),
  /** `waiting`: provider batch mode, the run stopped at a model step whose answer is not stored yet (never stored as a record). */
  status: z.enum(["success", "failed", "waiting"]),
  waiting: WaitingCallSchema.optional(),
  output_payload: PayloadSchema,
  error: RunErrorSchema.optional(),
  steps: z.array(StepRecordSchema),
  usage: TokenUsageSchema,
  /** The sum of the steps' costs (always set by runTask; optional for records written before costs existed). */
  cost: CostSchema.optional(),
  latency_ms: z.number(),
  started_at: z.string(),
  finished_at: z.string(),
});
export type TaskRecord = z.infer<typeof TaskRecordSchema>;

export const ZERO_COST: Cost = Object.freeze({ usd: 0, unpriced_tokens: 0 });

/**
 * Sums two costs, rounded as prices are (see roundUsd in price-table.ts). `standard_usd` is kept when either holds it:
 * a cost without it was paid at the standard prices, so its synchronous cost is its `usd`.
 */
export function addCost(a: Cost, b: Cost): Cost {
  const sum: Cost = { usd: roundedSum(a.usd, b.usd), unpriced_tokens: a.unpriced_tokens + b.unpriced_tokens };
  if (a.standard_usd !== undefined || b.standard_usd !== undefined)
    sum.standard_usd = roundedSum(a.standard_usd ?? a.usd, b.standard_usd ?? b.usd);
  return sum;
}

const roundedSum = (a: number, b: number) => Math.round((a + b) * 1e11) / 1e11;
