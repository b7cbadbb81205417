// The Gemini provider: our ModelProvider over @google/generative-ai, which is loaded on the first call only.
import type { GoogleGenerativeAI } from "@google/generative-ai";
import { DEFAULT_MODEL_TIMEOUT_MS, lazyImport, withCallTimeout } from "../../models/call-timeout";
import { toGeminiRequest } from "./gemini-request";
import { mapGeminiError, mapGeminiResponse } from "./map-gemini-response";
import { ModelCallError } from "../../models/model-call-error";
import type { ModelProvider, ModelRequest, ModelResult } from "../../models/model-provider";
import { redactApiKey } from "../../models/vendor-helpers";

export interface GeminiProviderOptions {
  apiKey: string;
  /** Overrides Google's endpoint, e.g. the offline stand-in's URL. */
  baseUrl?: string;
  /** Per-request timeout (default 120 s; 0 = none). */
  timeoutMs?: number;
}

export const DEFAULT_GEMINI_TIMEOUT_MS = DEFAULT_MODEL_TIMEOUT_MS;
const GOOGLE_BASE_URL = "https://generativelanguage.googleapis.com";

const loadSdk = lazyImport(() => import("@google/generative-ai"));

export function createGeminiProvider(options: GeminiProviderOptions): ModelProvider {
  const apiKey = options.apiKey;
  const baseUrl = options.baseUrl?.replace(/\/+$/, "") || undefined;
  const timeoutMs = options.timeoutMs ?? DEFAULT_GEMINI_TIMEOUT_MS;
  let client: GoogleGenerativeAI | undefined;

  const generate = async (request: ModelRequest): Promise<ModelResult> => {
    try {
      return await withCallTimeout(
        request.signal,
        timeoutMs,
        async (signal) => {
          const { GoogleGenerativeAI } = await loadSdk();
          client ??= new GoogleGenerativeAI(apiKey);
          const model = client.getGenerativeModel({ model: request.model }, baseUrl ? { baseUrl } : {});
          // The SDK sends a request that has contents as it is, thinkingConfig included (it predates its type).
          const { response } = await model.generateContent(toGeminiRequest(request), { signal });
          return mapGeminiResponse(response, request.model);
        },
        (err, ending) => mapGeminiError(err, { model: request.model, baseUrl: baseUrl ?? GOOGLE_BASE_URL, timeoutMs, ...ending }),
      );
    } catch (err) {
      // A key in a URL or a message must never reach a run record or a log.
      throw err instanceof ModelCallError ? redactApiKey(err, apiKey) : err;
    }
  };

  return { name: "gemini", generate };
}
