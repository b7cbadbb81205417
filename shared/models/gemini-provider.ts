// STUB (being implemented): the Gemini provider through @google/generative-ai, loaded lazily.
import type { ModelProvider } from "./model-provider";

export interface GeminiProviderOptions {
  apiKey: string;
  /** Overrides Google's endpoint, e.g. the offline stand-in's URL. */
  baseUrl?: string;
  /** Per-request timeout. */
  timeoutMs?: number;
}

export function createGeminiProvider(_options: GeminiProviderOptions): ModelProvider {
  throw new Error("not implemented yet");
}
