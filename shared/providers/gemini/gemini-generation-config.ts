// Our generation config as Gemini's wire generationConfig (the Gemini API and Vertex AI take the same one).
import type { GenerationConfig } from "../../config/generation-config";
import type { GenerationField } from "../provider-definition";

/** Every field of our generation config: Gemini's generationConfig carries them all (ours are named after it). */
export const GEMINI_FIELDS: readonly GenerationField[] = [
  "temperature",
  "topP",
  "topK",
  "maxOutputTokens",
  "candidateCount",
  "stopSequences",
  "responseMimeType",
  "responseSchema",
  "seed",
  "presencePenalty",
  "frequencyPenalty",
  "responseLogprobs",
  "logprobs",
  "thinkingBudget",
  "thinkingLevel",
];

/** Gemini's thinkingLevel values, lower-cased as a step writes them. */
export const GEMINI_THINKING_LEVELS: readonly string[] = ["minimal", "low", "medium", "high"];

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
