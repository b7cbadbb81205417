// Runs one step: bind inputs, interpolate, call the model or function (with retries), extract outputs.
import type { DocumentSink } from "../builtins/builtin-function";
import type { FunctionRegistry } from "../builtins/builtin-registry";
import { STEP_TYPE_MODEL_QUERY, type Payload, type StepConfig } from "../config/config-schemas";
import { describeRule } from "../config/extract-rules";
import type { ModelProvider } from "../models/model-provider";
import type { ModelTable, ProviderName } from "../models/model-table";
import type { PriceTable } from "../models/price-table";
import { RetryError, type RetryEnv, type RetryPolicy } from "../models/retry";
import { bindInputs } from "./bind-inputs";
import { callFunction } from "./call-function";
import { callModel } from "./call-model";
import { extractOutputs } from "./extract-outputs";
import { StepFailure, toRunError } from "./run-error";
import { addUsage, ZERO_USAGE, type StepRecord, type TokenUsage } from "./run-record";
import { priceStep } from "./step-cost";
import type { StepScope } from "./step-scope";

export { DEFAULT_MAX_PROMPT_CHARS } from "./step-scope";

export interface EngineOptions {
  /** A provider per route kind the model table uses; a step whose provider is missing fails with config_error. */
  providers: Readonly<Partial<Record<ProviderName, ModelProvider>>>;
  modelTable: ModelTable;
  /** Prices of the models, for each step's cost; DEFAULT_PRICE_TABLE when absent. */
  prices?: PriceTable;
  functions: FunctionRegistry;
  sink: DocumentSink;
  /** FIRESTORE_LOG_COLLECTIONS: when set, the only collections built-in functions may write (never the pipeline's). */
  logCollections?: readonly string[];
  /** Fail a step whose prompt names a variable it does not have, instead of leaving `%name%` in place. */
  strict?: boolean;
  /** Largest interpolated prompt (system + user) or request, in characters; larger fails the step unsent. */
  maxPromptChars?: number;
  retry?: RetryPolicy;
  retryEnv?: RetryEnv;
  signal?: AbortSignal;
  /** Called as each step ends (progress display, checkpoints). */
  onStepEnd?: (record: StepRecord, index: number) => void;
}

export interface StepRun {
  record: StepRecord;
  /** The running payload for the next step; undefined when the step failed. */
  outputs?: Payload;
}

/** Never throws for a failure of the step: the record says `failed` with a RunError a user can act on. */
export async function runStep(
  step: StepConfig,
  running: Readonly<Payload>,
  context: { executionId: string; index: number },
  options: EngineOptions,
): Promise<StepRun> {
  const started = performance.now();
  const { inputs, missing } = bindInputs(step.input_config.payload, running);
  const isModel = step.step_type === STEP_TYPE_MODEL_QUERY;
  const record: StepRecord = {
    step_id: step.id || String(context.index),
    name: step.name,
    step_type: isModel ? "model_query" : "function_call",
    response: null,
    status: "failed",
    latency_ms: 0,
    attempts: 0,
    usage: ZERO_USAGE,
    warnings: missing.map((name) => `input "${name}" is not in the running payload; using the step's default`),
  };
  const scope: StepScope = { step, at: `steps[${context.index}]`, executionId: context.executionId, inputs, record, options };
  let outputs: Payload | undefined;
  try {
    const response = await (isModel ? callModel(scope) : callFunction(scope));
    record.response = response;
    outputs = extractOrFail(scope, response);
    record.status = "success";
  } catch (err) {
    // A failed function call still produced the original's `{"status":"error",...}` text: keep it in the record.
    const response = ((err instanceof RetryError ? err.lastError : err) as { response?: unknown }).response;
    if (typeof response === "string") record.response = response;
    record.error = toRunError(err, { step_id: record.step_id, path: scope.at, attempts: record.attempts });
    outputs = undefined;
  }
  if (isModel && record.model) priceStep(record, options.prices);
  record.latency_ms = performance.now() - started;
  options.onStepEnd?.(record, context.index);
  return outputs ? { record, outputs } : { record };
}

/** The step's outputs from its answer; a rule that finds nothing fails the step, naming the variable and the rule. */
function extractOrFail(scope: StepScope, response: string): Payload {
  const { step } = scope;
  const extracted = extractOutputs(
    step.output_config.payload,
    step.input_config.payload,
    scope.inputs,
    response,
    step.output_config.extract,
  );
  if ("outputs" in extracted) return extracted.outputs;
  const { name, rule, problem } = extracted.failed;
  throw new StepFailure(
    "extraction_failed",
    `output "${name}" could not be extracted with the rule ${describeRule(rule)}: ${problem}; the whole answer is in the step's response`,
    `${scope.at}.output_config.extract.${name}`,
  );
}

export function sumUsage(records: readonly StepRecord[]): TokenUsage {
  return records.reduce((sum, r) => addUsage(sum, r.usage), ZERO_USAGE);
}
