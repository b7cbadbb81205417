// The model half of a step: resolve the model, interpolate the prompts, call the provider with retries.
import type { StepConfig } from "../config/config-schemas";
import { parameterNames, toGenerationConfig, type GenerationConfig, type GenerationConfigResult } from "../config/generation-config";
import { providerParameterIssues } from "../providers/provider-parameters";
import { ModelCallError } from "../models/model-call-error";
import type { ModelProvider, ModelResult } from "../models/model-provider";
import type { ModelRoute } from "../providers/model-table";
import { DEFAULT_RETRY, realRetryEnv, withRetry } from "../models/retry";
import { checkJsonAnswer } from "./check-json-answer";
import { askedKey, keepAnswer, storedAnswer, waitForBatch } from "./response-cache";
import { checkTruncation, MAX_TOKENS, truncatedWithoutText } from "./check-truncation";
import { StepFailure } from "./run-error";
import { type StepRecord } from "./run-record";
import { addUsage } from "../models/token-usage";
import { checkSize, fillTemplate, type StepScope } from "./step-scope";

// Parameters are validated with the config; converting them again per run is avoidable work on a hot path.
const generationConfigs = new WeakMap<StepConfig, GenerationConfigResult>();

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
  const generationConfig = generationConfigFor(step, at, route);
  const provider = options.providers[route.provider];
  if (!provider)
    throw new StepFailure(
      "config_error",
      `this run has no ${route.provider} provider for model key "${query.model_key}"`,
      `${at}.model_query_config.model_key`,
    );
  const key = askedKey(scope, route, generationConfig);
  const stored = await storedAnswer(scope, key);
  if (!stored && options.batchMode) await waitForBatch(scope, key, route, generationConfig);
  const result = stored ?? (await freshAnswer(scope, provider, route, generationConfig));
  keepAnswer(scope, key, route, result);
  record.finish_reason = result.finishReason;
  checkTruncation(scope, result.finishReason, result.text, generationConfig);
  checkJsonAnswer(scope, result.text, generationConfig);
  return result.text;
}

/** The provider's answer, with retries: what every call that is not the response store's costs. */
async function freshAnswer(
  scope: StepScope,
  provider: ModelProvider,
  route: ModelRoute,
  generationConfig: GenerationConfig,
): Promise<ModelResult> {
  const { record, options, at } = scope;
  // The last thing before the call: a budget spent by the steps before (in this run or in others) stops it unsent.
  const refused = await options.spend?.beforeModelCall();
  if (refused) throw new StepFailure("budget_exceeded", refused, `${at}.model_query_config`);
  const request = {
    model: route.model,
    route,
    systemPrompt: record.system_prompt ?? "",
    userPrompt: record.user_prompt ?? "",
    generationConfig,
    signal: options.signal,
  };
  try {
    const retried = await withRetry(
      (attempt) => ((record.attempts = attempt), billed(provider.generate(request), record)),
      options.retry ?? DEFAULT_RETRY,
      options.retryEnv ?? realRetryEnv,
      options.signal,
    );
    return retried.value;
  } catch (err) {
    if (err instanceof ModelCallError && err.kind === "empty" && err.options.reason === MAX_TOKENS)
      throw truncatedWithoutText(scope, generationConfig);
    throw err;
  }
}

/**
 * Adds the attempt's tokens to the step's usage whether it answered or failed: a blocked, empty or otherwise
 * refused answer was still billed, and usage must say what the step cost, not only what its last attempt did.
 */
async function billed(call: Promise<ModelResult>, record: StepRecord): Promise<ModelResult> {
  try {
    const result = await call;
    record.usage = addUsage(record.usage, result.usage);
    return result;
  } catch (err) {
    if (err instanceof ModelCallError && err.usage) record.usage = addUsage(record.usage, err.usage);
    throw err;
  }
}

/** The step's parameters as one typed config; a parameter its provider cannot take fails the step unsent. */
function generationConfigFor(step: StepConfig, at: string, route: ModelRoute): GenerationConfig {
  let converted = generationConfigs.get(step);
  if (!converted) {
    converted = toGenerationConfig(step.model_query_config!.parameters);
    generationConfigs.set(step, converted);
  }
  const parameters = step.model_query_config!.parameters;
  const first = converted.issues[0] ?? providerParameterIssues(route.provider, converted.config, parameterNames(parameters))[0];
  if (first) throw new StepFailure("invalid_config", first.message, `${at}.model_query_config.parameters.${first.path}`);
  return converted.config;
}
