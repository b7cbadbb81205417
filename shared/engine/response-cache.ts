// A model step's use of the response store (EngineOptions.responses, when the job has `cache` on): the key of what it
// asks, the stored answer when there is one, and else the answer it got, kept for later runs.
import type { GenerationConfig } from "../config/generation-config";
import type { ModelResult } from "../models/model-provider";
import type { ModelRoute } from "../providers/model-table";
import { responseKey } from "./response-key";
import { StepFailure, StepWaiting } from "./run-error";
import type { StepScope } from "./step-scope";

/** The call's key, counting it among the run's calls that asked the same (undefined when the run has no store). */
export function askedKey(scope: StepScope, route: ModelRoute, generationConfig: GenerationConfig): string | undefined {
  const { options, record, run } = scope;
  if (!options.responses) return undefined;
  const asked = {
    ownerUid: options.ownerUid,
    route,
    systemPrompt: record.system_prompt ?? "",
    userPrompt: record.user_prompt ?? "",
    generationConfig,
    sample: options.responses.sample,
  };
  const first = responseKey({ ...asked, occurrence: 0 });
  const occurrence = run.asked.get(first) ?? 0;
  run.asked.set(first, occurrence + 1);
  return occurrence === 0 ? first : responseKey({ ...asked, occurrence });
}

/**
 * The stored answer the run may take: one a vendor batch stored for this run (billed at the batch price), or with
 * `cache` any (then `cached`, unbilled).
 */
export async function storedAnswer(scope: StepScope, key: string | undefined): Promise<ModelResult | undefined> {
  const responses = scope.options.responses;
  if (!responses || key === undefined) return undefined;
  let stored;
  try {
    stored = await responses.store.get(key);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new StepFailure(
      "internal",
      `the response store could not be read (${why}); nothing was sent; start the job again`,
      `${scope.at}.model_query_config`,
    );
  }
  if (!stored) return undefined;
  const paidForThisRun = stored.billing === "batch" && (stored.storedAt ?? 0) >= responses.runStartedAt;
  if (paidForThisRun) {
    scope.record.billing = "batch";
    scope.record.usage = stored.usage;
    return { text: stored.text, finishReason: stored.finishReason, usage: stored.usage };
  }
  if (!responses.cache) return undefined;
  scope.record.cached = true;
  return { text: stored.text, finishReason: stored.finishReason, usage: { prompt_tokens: 0, output_tokens: 0, total_tokens: 0 } };
}

/**
 * Provider batch mode, no answer stored: the budget is asked first (a spent one stops the step unsent), then the run
 * ends waiting for this call.
 */
export async function waitForBatch(
  scope: StepScope,
  key: string | undefined,
  route: ModelRoute,
  generationConfig: GenerationConfig,
): Promise<never> {
  const { options, record, at } = scope;
  if (!options.batchMode?.providers.includes(route.provider) || key === undefined)
    throw new StepFailure(
      "invalid_config",
      `model key "${record.model_key}" is served by ${route.provider}, which has no batch API this deployment can use in provider batch mode; use a model of ${options.batchMode?.providers.join(", ") || "another provider"}, or "execution": "synchronous"`,
      `${at}.model_query_config.model_key`,
    );
  const refused = await options.spend?.beforeModelCall();
  if (refused) throw new StepFailure("budget_exceeded", refused, `${at}.model_query_config`);
  const request = {
    system_prompt: record.system_prompt ?? "",
    user_prompt: record.user_prompt ?? "",
    generation_config: { ...generationConfig },
  };
  throw new StepWaiting({ step_id: record.step_id, key, provider: route.provider, model: route.model, route: { ...route }, request });
}

/** Keeps a new answer for later runs. */
export function keepAnswer(scope: StepScope, key: string | undefined, route: ModelRoute, result: ModelResult): void {
  if (key === undefined || scope.record.cached || scope.record.billing === "batch") return;
  scope.options.responses?.store.put(key, { text: result.text, finishReason: result.finishReason, usage: result.usage }, route);
}
