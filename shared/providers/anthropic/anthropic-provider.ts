// The Anthropic provider: our ModelProvider over @anthropic-ai/sdk's Messages API, the SDK loaded on first use only.
import type Anthropic from "@anthropic-ai/sdk";
import { toAnthropicRequest } from "./anthropic-request";
import { DEFAULT_MODEL_TIMEOUT_MS, lazyImport, withCallTimeout } from "../../models/call-timeout";
import { mapAnthropicMessage } from "./map-anthropic-response";
import { mapSdkError } from "../../models/map-sdk-error";
import { ModelCallError } from "../../models/model-call-error";
import type { ModelProvider, ModelRequest, ModelResult } from "../../models/model-provider";
import { redactApiKey } from "../../models/vendor-helpers";

export interface AnthropicProviderOptions {
  apiKey: string;
  /** Overrides Anthropic's endpoint, e.g. the offline stand-in's URL. */
  baseUrl?: string;
  /** Per-request timeout (default 120 s; 0 = none). */
  timeoutMs?: number;
}

export const ANTHROPIC_BASE_URL = "https://api.anthropic.com";
const loadSdk = lazyImport(() => import("@anthropic-ai/sdk"));

export function createAnthropicProvider(options: AnthropicProviderOptions): ModelProvider {
  const baseUrl = options.baseUrl?.replace(/\/+$/, "") || undefined;
  const timeoutMs = options.timeoutMs ?? DEFAULT_MODEL_TIMEOUT_MS;
  let client: Anthropic | undefined;

  const generate = async (request: ModelRequest): Promise<ModelResult> => {
    const who = `Claude model "${request.model}"`;
    try {
      return await withCallTimeout(
        request.signal,
        timeoutMs,
        async (signal) => {
          const { default: AnthropicSdk } = await loadSdk();
          // maxRetries 0: retrying is withRetry's job, with our budget, jitter and deadline. The SDK's own timeout
          // is only set so that it does not refuse a large max_tokens without streaming; ours fires first.
          client ??= new AnthropicSdk({
            apiKey: options.apiKey,
            maxRetries: 0,
            timeout: timeoutMs || 600_000,
            ...(baseUrl ? { baseURL: baseUrl } : {}),
          });
          const message = await client.messages.create(toAnthropicRequest(request), { signal });
          return mapAnthropicMessage(message, request.model);
        },
        (err, ending) =>
          mapSdkError(err, {
            who,
            baseUrl: baseUrl ?? ANTHROPIC_BASE_URL,
            timeoutMs,
            keyName: "ANTHROPIC_API_KEY",
            baseUrlName: "ANTHROPIC_BASE_URL",
            ...ending,
          }),
      );
    } catch (err) {
      throw err instanceof ModelCallError ? redactApiKey(err, options.apiKey) : err;
    }
  };

  return { name: "anthropic", generate };
}
