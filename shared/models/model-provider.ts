// The one small interface every model provider implements.
import type { GenerationConfig } from "../config/generation-config";
import type { TokenUsage } from "../engine/run-record";

export interface ModelRequest {
  /** The provider's model name (already resolved from model_key). */
  model: string;
  systemPrompt: string;
  userPrompt: string;
  generationConfig: GenerationConfig;
  /** Aborts the call (deadline, shutdown). */
  signal?: AbortSignal;
}

export interface ModelResult {
  text: string;
  usage: TokenUsage;
  finishReason: string;
}

/** generate() resolves with the answer or rejects with a ModelCallError. */
export interface ModelProvider {
  readonly name: string;
  generate(request: ModelRequest): Promise<ModelResult>;
}
