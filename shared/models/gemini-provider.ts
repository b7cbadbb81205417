// The Gemini provider: our ModelProvider over @google/generative-ai, which is loaded on the first call only.
//
// The per-call timeout is ours, not the SDK's `timeout` option: the SDK never clears the timer it
// starts for that option, so every call would keep a CLI process alive for the whole timeout after
// its answer came. We pass the SDK an AbortSignal instead and clear our timer when the call ends.
import type { GenerationConfig as SdkGenerationConfig, GoogleGenerativeAI } from "@google/generative-ai";
import { mapGeminiError, mapGeminiResponse, redactApiKey } from "./map-gemini-response";
import { ModelCallError } from "./model-call-error";
import type { ModelProvider, ModelRequest, ModelResult } from "./model-provider";

export interface GeminiProviderOptions {
  apiKey: string;
  /** Overrides Google's endpoint, e.g. the offline stand-in's URL. */
  baseUrl?: string;
  /** Per-request timeout (default 120 s; 0 = none). */
  timeoutMs?: number;
}

export const DEFAULT_GEMINI_TIMEOUT_MS = 120_000;
const GOOGLE_BASE_URL = "https://generativelanguage.googleapis.com";

type GeminiSdk = typeof import("@google/generative-ai");
let sdk: Promise<GeminiSdk> | undefined;

/** One import per process; a failed import is not cached, so a later call can try again. */
function loadSdk(): Promise<GeminiSdk> {
  sdk ??= import("@google/generative-ai").catch((err: unknown) => {
    sdk = undefined;
    throw err;
  });
  return sdk;
}

export function createGeminiProvider(options: GeminiProviderOptions): ModelProvider {
  const apiKey = options.apiKey;
  const baseUrl = options.baseUrl?.replace(/\/+$/, "") || undefined;
  const timeoutMs = options.timeoutMs ?? DEFAULT_GEMINI_TIMEOUT_MS;
  let client: GoogleGenerativeAI | undefined;

  const generate = async (request: ModelRequest): Promise<ModelResult> => {
    const controller = new AbortController();
    let timedOut = false;
    const onAbort = () => controller.abort();
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            controller.abort();
          }, timeoutMs)
        : undefined;
    timer?.unref();
    request.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      if (request.signal?.aborted) throw request.signal.reason;
      const { GoogleGenerativeAI } = await loadSdk();
      client ??= new GoogleGenerativeAI(apiKey);
      const model = client.getGenerativeModel(
        {
          model: request.model,
          generationConfig: request.generationConfig as SdkGenerationConfig,
          ...(request.systemPrompt ? { systemInstruction: request.systemPrompt } : {}),
        },
        baseUrl ? { baseUrl } : {},
      );
      const { response } = await model.generateContent(request.userPrompt, { signal: controller.signal });
      return mapGeminiResponse(response, request.model);
    } catch (err) {
      const mapped =
        err instanceof ModelCallError
          ? err
          : mapGeminiError(err, {
              model: request.model,
              baseUrl: baseUrl ?? GOOGLE_BASE_URL,
              timeoutMs,
              timedOut,
              aborted: !timedOut && request.signal?.aborted === true,
              abortReason: request.signal?.reason,
            });
      throw redactApiKey(mapped, apiKey);
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener("abort", onAbort);
    }
  };

  return { name: "gemini", generate };
}
