// The model half of a step: resolve the model, interpolate the prompts, call the provider with retries.
import type { StepConfig } from "../config/config-schemas";
import { toGenerationConfig, type GenerationConfig } from "../config/generation-config";
import { DEFAULT_RETRY, realRetryEnv, withRetry } from "../models/retry";
import { StepFailure } from "./run-error";
import { checkSize, fillTemplate, type StepScope } from "./step-scope";

// Parameters are validated with the config; converting them again per run is avoidable work on a hot path.
const generationConfigs = new WeakMap<StepConfig, GenerationConfig>();

/** Returns the answer's text; throws what the call threw (the step turns it into a RunError). */
export async function callModel(scope: StepScope): Promise<string> {
  const { step, at, record, options } = scope;
  const query = step.model_query_config!;
  const route = options.modelTable[query.model_key];
  record.model_key = query.model_key;
  if (!route) throw new StepFailure("invalid_config", `unknown model key "${query.model_key}"`, `${at}.model_query_config.model_key`);
  record.model = route.model;
  record.system_prompt = fillTemplate(scope, query.system_prompt, "model_query_config.system_prompt");
  record.user_prompt = fillTemplate(scope, query.user_prompt, "model_query_config.user_prompt");
  checkSize(scope, record.system_prompt.length + record.user_prompt.length, "model_query_config.user_prompt", "prompt");
  const generationConfig = generationConfigFor(step, at);
  const provider = options.providers[route.provider];
  const request = { model: route.model, systemPrompt: record.system_prompt, userPrompt: record.user_prompt, generationConfig, signal: options.signal };
  const { value } = await withRetry(
    (attempt) => ((record.attempts = attempt), provider.generate(request)),
    options.retry ?? DEFAULT_RETRY,
    options.retryEnv ?? realRetryEnv,
    options.signal,
  );
  record.finish_reason = value.finishReason;
  record.usage = value.usage;
  return value.text;
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
