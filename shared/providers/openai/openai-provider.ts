// The OpenAI-compatible provider: our ModelProvider over the `openai` SDK's Chat Completions, one client per server.
import type OpenAI from "openai";
import { DEFAULT_MODEL_TIMEOUT_MS, lazyImport, withCallTimeout } from "../../models/call-timeout";
import { mapChatCompletion } from "./map-openai-response";
import { mapSdkError } from "../../models/map-sdk-error";
import { ModelCallError } from "../../models/model-call-error";
import type { ModelProvider, ModelRequest, ModelResult } from "../../models/model-provider";
import { redactApiKey } from "../../models/vendor-helpers";
import { isOpenAiRoute, type OpenAiRoute } from "./definition";
import { toChatCompletionRequest } from "./openai-request";

/** Where one model table entry's calls go. */
export interface OpenAiEndpoint {
  baseUrl: string;
  apiKey: string;
  /** The variable the key came from (or should have), for messages. */
  keyName: string;
}

export interface OpenAiProviderOptions {
  /** The entry's server and key, or the config error that stops its calls (a missing key where that is fatal). */
  endpointFor: (route: OpenAiRoute) => OpenAiEndpoint | ModelCallError;
  /** Per-request timeout (default 120 s; 0 = none). */
  timeoutMs?: number;
}

const loadSdk = lazyImport(() => import("openai"));

export function createOpenAiProvider(options: OpenAiProviderOptions): ModelProvider {
  const timeoutMs = options.timeoutMs ?? DEFAULT_MODEL_TIMEOUT_MS;
  const clients = new Map<string, OpenAI>();

  const generate = async (request: ModelRequest): Promise<ModelResult> => {
    const route = request.route;
    if (!isOpenAiRoute(route))
      throw new ModelCallError(`model "${request.model}" has no OpenAI-compatible server in the model table (base_url)`, "config");
    const endpoint = options.endpointFor(route);
    if (endpoint instanceof ModelCallError) throw endpoint;
    const who = `model "${request.model}" (OpenAI-compatible server)`;
    try {
      return await withCallTimeout(
        request.signal,
        timeoutMs,
        async (signal) => {
          const { default: OpenAiSdk } = await loadSdk();
          const key = `${endpoint.baseUrl}\u0000${endpoint.apiKey}`;
          // maxRetries 0: retrying is withRetry's job, with our budget, jitter and deadline.
          let client = clients.get(key);
          if (!client)
            clients.set(
              key,
              (client = new OpenAiSdk({
                apiKey: endpoint.apiKey,
                baseURL: endpoint.baseUrl,
                maxRetries: 0,
                timeout: timeoutMs || 600_000,
              })),
            );
          const completion = await client.chat.completions.create(toChatCompletionRequest(request), { signal });
          return mapChatCompletion(completion, request.model);
        },
        (err, ending) =>
          mapSdkError(err, {
            who,
            baseUrl: endpoint.baseUrl,
            timeoutMs,
            keyName: endpoint.keyName,
            baseUrlName: "the entry's base_url (or OPENAI_BASE_URL)",
            ...ending,
          }),
      );
    } catch (err) {
      throw err instanceof ModelCallError ? redactApiKey(err, endpoint.apiKey) : err;
    }
  };

  return { name: "openai", generate };
}
