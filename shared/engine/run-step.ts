// Runs one step: bind inputs, interpolate, call the model or function (with retries), extract outputs.
import type { DocumentSink } from "../builtins/builtin-function";
import type { FunctionRegistry } from "../builtins/builtin-registry";
import { STEP_TYPE_MODEL_QUERY, type Payload, type StepConfig } from "../config/config-schemas";
import { toGenerationConfig, type GenerationConfig } from "../config/generation-config";
import type { ModelProvider } from "../models/model-provider";
import type { ModelRoute, ModelTable } from "../models/model-table";
import { DEFAULT_RETRY, realRetryEnv, RetryError, withRetry, type RetryEnv, type RetryPolicy } from "../models/retry";
import { bindInputs } from "./bind-inputs";
import { extractOutputs } from "./extract-outputs";
import { interpolate } from "./interpolate";
import { StepFailure, toRunError } from "./run-error";
import { ZERO_USAGE, type StepRecord, type TokenUsage } from "./run-record";

export interface EngineOptions {
  providers: Readonly<Record<ModelRoute["provider"], ModelProvider>>;
  modelTable: ModelTable;
  functions: FunctionRegistry;
  sink: DocumentSink;
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

/**
 * About 250k tokens: far past what a chain step usually sends, below every current Gemini context window,
 * and small enough that the prompt still fits in the output document's run record.
 */
export const DEFAULT_MAX_PROMPT_CHARS = 1_000_000;

// Parameters are validated with the config; converting them again per run is avoidable work on a hot path.
const generationConfigs = new WeakMap<StepConfig, GenerationConfig>();

export async function runStep(
  step: StepConfig,
  running: Readonly<Payload>,
  context: { executionId: string; index: number },
  options: EngineOptions,
): Promise<StepRun> {
  const started = performance.now();
  const at = `steps[${context.index}]`;
  const warnings: string[] = [];
  const { inputs, missing } = bindInputs(step.input_config.payload, running);
  for (const name of missing) warnings.push(`input "${name}" is not in the running payload; using the step's default`);

  const fill = (template: string, field: string): string => {
    const { text, unresolved } = interpolate(template, inputs);
    if (unresolved.length) {
      const names = unresolved.map((n) => `%${n}%`).join(", ");
      const known = Object.keys(inputs).join(", ") || "none";
      if (options.strict) throw new StepFailure("unresolved_variable", `${names} in ${field} names no input (inputs: ${known})`, `${at}.${field}`);
      warnings.push(`${names} in ${field.split(".").pop()} names no input (inputs: ${known}); left as written`);
    }
    return text;
  };

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
    warnings,
  };
  let attempts = 0;
  let response: string;
  try {
    if (isModel) {
      const query = step.model_query_config!;
      const route = options.modelTable[query.model_key];
      record.model_key = query.model_key;
      if (!route) throw new StepFailure("invalid_config", `unknown model key "${query.model_key}"`, `${at}.model_query_config.model_key`);
      record.model = route.model;
      record.system_prompt = fill(query.system_prompt, "model_query_config.system_prompt");
      record.user_prompt = fill(query.user_prompt, "model_query_config.user_prompt");
      checkSize(record.system_prompt.length + record.user_prompt.length, options, `${at}.model_query_config.user_prompt`, "prompt");
      const generationConfig = generationConfigFor(step, at);
      const provider = options.providers[route.provider];
      const request = { model: route.model, systemPrompt: record.system_prompt, userPrompt: record.user_prompt, generationConfig, signal: options.signal };
      const { value } = await withRetry(
        (attempt) => ((attempts = attempt), provider.generate(request)),
        options.retry ?? DEFAULT_RETRY,
        options.retryEnv ?? realRetryEnv,
        options.signal,
      );
      response = value.text;
      record.finish_reason = value.finishReason;
      record.usage = value.usage;
    } else {
      const call = step.function_call_config!;
      record.function_name = call.function_name;
      const fn = options.functions[call.function_name];
      if (!fn) throw new StepFailure("invalid_config", `unknown function "${call.function_name}"`, `${at}.function_call_config.function_name`);
      const request = fill(call.request, "function_call_config.request");
      record.request = request;
      checkSize(request.length, options, `${at}.function_call_config.request`, "request");
      const fnContext = { executionId: context.executionId, stepId: record.step_id, sink: options.sink };
      const { value } = await withRetry(
        (attempt) => ((attempts = attempt), fn(request, fnContext)),
        { ...(options.retry ?? DEFAULT_RETRY), maxAttempts: Math.min(3, (options.retry ?? DEFAULT_RETRY).maxAttempts) },
        options.retryEnv ?? realRetryEnv,
        options.signal,
      );
      response = value;
    }
  } catch (err) {
    const response = ((err instanceof RetryError ? err.lastError : err) as { response?: unknown }).response;
    if (typeof response === "string") record.response = response;
    record.attempts = attempts;
    record.error = toRunError(err, { step_id: record.step_id, path: at, attempts });
    record.latency_ms = performance.now() - started;
    options.onStepEnd?.(record, context.index);
    return { record };
  }
  record.response = response;
  record.status = "success";
  record.attempts = attempts;
  record.latency_ms = performance.now() - started;
  const outputs = extractOutputs(step.output_config.payload, step.input_config.payload, inputs, response);
  options.onStepEnd?.(record, context.index);
  return { record, outputs };
}

function checkSize(chars: number, options: EngineOptions, path: string, what: string): void {
  const limit = options.maxPromptChars ?? DEFAULT_MAX_PROMPT_CHARS;
  if (chars > limit) {
    throw new StepFailure("prompt_too_large", `the interpolated ${what} has ${chars} characters, over the limit of ${limit} (MAX_PROMPT_CHARS); shorten the inputs or carry less context`, path);
  }
}

function generationConfigFor(step: StepConfig, at: string): GenerationConfig {
  let config = generationConfigs.get(step);
  if (!config) {
    const converted = toGenerationConfig(step.model_query_config!.parameters);
    const first = converted.issues[0];
    if (first) throw new StepFailure("invalid_config", first.message, `${at}.model_query_config.parameters.${first.path}`);
    config = converted.config;
    generationConfigs.set(step, config);
  }
  return config;
}

export function sumUsage(records: readonly StepRecord[]): TokenUsage {
  let prompt = 0;
  let output = 0;
  let total = 0;
  for (const r of records) {
    prompt += r.usage.prompt_tokens;
    output += r.usage.output_tokens;
    total += r.usage.total_tokens;
  }
  return { prompt_tokens: prompt, output_tokens: output, total_tokens: total };
}
