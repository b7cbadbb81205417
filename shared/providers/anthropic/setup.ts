// The Anthropic provider from the environment: ANTHROPIC_API_KEY, else the offline stand-in, else (deployed) a provider
// whose steps fail with config_error while the others run.
import { createUnavailableProvider } from "../../models/unavailable-provider";
import { missingKeyMessage, secretFrom, STANDIN_API_KEY, type ProviderSetupFn } from "../provider-setup";
import type { BatchProvider } from "../../models/batch-provider";
import { createAnthropicBatchProvider } from "./anthropic-batch";
import { createAnthropicProvider } from "./anthropic-provider";
import { anthropic } from "./definition";

const [SECRET] = anthropic.secrets;

export const setup: ProviderSetupFn = async (ctx) => {
  const { env } = ctx;
  const apiKey = secretFrom(env, SECRET);
  let baseUrl = env[anthropic.baseUrlEnv]?.trim() || undefined;
  const timeout = ctx.timeoutMs ? { timeoutMs: ctx.timeoutMs } : {};
  if (apiKey) {
    const options = { apiKey, ...(baseUrl ? { baseUrl } : {}), ...timeout };
    return {
      provider: createAnthropicProvider(options),
      banner: baseUrl ? [`Anthropic base URL overridden: ${baseUrl}`] : [],
      batch: batchOf(options),
    };
  }
  if (!baseUrl && ctx.standinUrl) baseUrl = await ctx.standinUrl();
  if (!baseUrl) {
    const message = missingKeyMessage(SECRET, "Claude (model keys with provider anthropic)", anthropic.baseUrlEnv, ctx.deployed);
    return {
      provider: createUnavailableProvider(anthropic.name, message),
      banner: [
        `No ${SECRET} set: steps that call Claude fail with config_error (${ctx.deployed ? `\`firebase functions:secrets:set ${SECRET}\`` : "set it, or run through npm start"}).`,
      ],
    };
  }
  const options = { apiKey: STANDIN_API_KEY, baseUrl, ...timeout };
  return {
    provider: createAnthropicProvider(options),
    banner: [`No ${SECRET} set: Claude calls go to the offline stand-in at ${baseUrl} (its answers echo the prompt).`],
    batch: batchOf(options),
  };
};

/** One batch adapter for every Claude model table entry (they share the key and the endpoint). */
function batchOf(options: Parameters<typeof createAnthropicBatchProvider>[0]): () => BatchProvider {
  let batch: BatchProvider | undefined;
  return () => (batch ??= createAnthropicBatchProvider(options));
}
