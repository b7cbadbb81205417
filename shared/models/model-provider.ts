// The one small interface every model provider implements.
import type { GenerationConfig } from "../config/generation-config";
import type { TokenUsage } from "./token-usage";

/**
 * A model table entry as every provider sees it: its provider and model. Each provider's route adds its own fields
 * (its definition's routeSchema, shared/providers/<name>/definition.ts), which its adapter reads after checking the
 * entry is its own.
 */
export interface ModelRouteBase {
  readonly provider: string;
  readonly model: string;
}

export interface ModelRequest {
  /** The provider's model name (already resolved from model_key). */
  model: string;
  /** The model table entry, for what a provider needs beyond the name (a Vertex location, a server's URL). */
  route?: ModelRouteBase;
  systemPrompt: string;
  userPrompt: string;
  generationConfig: GenerationConfig;
  /** Aborts the call (deadline, shutdown). */
  signal?: AbortSignal | undefined;
}

export interface ModelResult {
  text: string;
  usage: TokenUsage;
  /**
   * Gemini's names, whatever the vendor: STOP, MAX_TOKENS (the engine's truncation check reads it), or the vendor's
   * other reason as it sent it. Each adapter maps its vendor's reasons in one pure function.
   */
  finishReason: string;
}

/** generate() resolves with the answer or rejects with a ModelCallError. */
export interface ModelProvider {
  readonly name: string;
  generate(request: ModelRequest): Promise<ModelResult>;
}
