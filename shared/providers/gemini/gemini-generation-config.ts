// Our generation config as Gemini's wire generationConfig (the Gemini API and Vertex AI take the same one).
import type { GenerationConfig } from "../../config/generation-config";

/** Gemini's generationConfig: our fields as they are, the thinking controls inside `thinkingConfig`. Pure. */
export function toGeminiGenerationConfig(config: GenerationConfig): Record<string, unknown> {
  const { thinkingBudget, thinkingLevel, ...rest } = config;
  if (thinkingBudget === undefined && thinkingLevel === undefined) return rest;
  return {
    ...rest,
    thinkingConfig: {
      ...(thinkingBudget !== undefined ? { thinkingBudget } : {}),
      ...(thinkingLevel !== undefined ? { thinkingLevel: thinkingLevel.toUpperCase() } : {}),
    },
  };
}
