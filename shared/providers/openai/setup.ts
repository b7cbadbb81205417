// The OpenAI-compatible provider from the environment and the model table: each entry names its server; OPENAI_BASE_URL,
// when set, sends them all there (the stand-in). An entry whose key (OPENAI_API_KEY, or its api_key_env) is missing goes
// to the stand-in locally and fails with config_error deployed.
import { ModelCallError } from "../../models/model-call-error";
import { missingKeyMessage, secretFrom, STANDIN_API_KEY, type ProviderSetupFn } from "../provider-setup";
import { isOpenAiRoute, openai, type OpenAiRoute } from "./definition";
import { openAiBatchProviderFor } from "./openai-batch";
import { createOpenAiProvider, type OpenAiEndpoint } from "./openai-provider";

const [DEFAULT_KEY] = openai.secrets;

export const setup: ProviderSetupFn = async (ctx, table) => {
  const { env } = ctx;
  const override = env[openai.baseUrlEnv]?.trim() || undefined;
  const entries = Object.entries(table).filter((e): e is [string, OpenAiRoute] => isOpenAiRoute(e[1]));
  const keyless = entries.filter(([, route]) => !secretFrom(env, route.api_key_env ?? DEFAULT_KEY));
  const standin = !override && keyless.length && ctx.standinUrl ? `${await ctx.standinUrl()}${openai.standinPath}` : undefined;
  const banner: string[] = [];
  if (override) banner.push(`OpenAI-compatible calls go to ${openai.baseUrlEnv}: ${override}`);
  else if (keyless.length) {
    const keys = keyless.map(([key]) => key).join(", ");
    banner.push(
      standin
        ? `No key set for ${keys}: their calls go to the offline stand-in at ${standin} (its answers echo the prompt).`
        : `No key set for ${keys}: their steps fail with config_error.`,
    );
  }
  const endpointFor = (route: OpenAiRoute): OpenAiEndpoint | ModelCallError => {
    const keyName = route.api_key_env ?? DEFAULT_KEY;
    const apiKey = secretFrom(env, keyName);
    if (override) return { baseUrl: override, apiKey: apiKey ?? STANDIN_API_KEY, keyName };
    if (apiKey) return { baseUrl: route.base_url, apiKey, keyName };
    if (standin) return { baseUrl: standin, apiKey: STANDIN_API_KEY, keyName };
    const message = missingKeyMessage(keyName, `the OpenAI-compatible server at ${route.base_url}`, openai.baseUrlEnv, ctx.deployed);
    return new ModelCallError(`${message} (a server that needs no key, such as Ollama, takes any value)`, "config");
  };
  const options = { endpointFor, ...(ctx.timeoutMs ? { timeoutMs: ctx.timeoutMs } : {}) };
  const batchFor = openAiBatchProviderFor(options);
  return {
    provider: createOpenAiProvider(options),
    banner,
    batch: (route) => {
      if (!isOpenAiRoute(route)) throw new ModelCallError(`not an OpenAI-compatible model table entry: ${route.provider}`, "config");
      return batchFor(route);
    },
  };
};
