// Our provider-neutral request as the body of Gemini's generateContent: the one request builder of this folder, used by
// the synchronous adapter (gemini-provider.ts) and by the batch adapter (gemini-batch.ts), so that a request sent in a
// vendor batch job is the very request a direct call sends.
import type { ModelRequest } from "../../models/model-provider";
import { toGeminiGenerationConfig } from "./gemini-generation-config";

/** Gemini's GenerateContentRequest as it goes on the wire (the model is in the path, or the batch job's). */
export interface GeminiRequestBody {
  contents: { role: "user"; parts: { text: string }[] }[];
  systemInstruction?: { role: "system"; parts: { text: string }[] };
  generationConfig: Record<string, unknown>;
}

/** The body of one call: the user prompt as one user turn, the system prompt (if any) as the system instruction. Pure. */
export function toGeminiRequest(request: Pick<ModelRequest, "systemPrompt" | "userPrompt" | "generationConfig">): GeminiRequestBody {
  return {
    contents: [{ role: "user", parts: [{ text: request.userPrompt }] }],
    ...(request.systemPrompt ? { systemInstruction: { role: "system" as const, parts: [{ text: request.systemPrompt }] } } : {}),
    generationConfig: toGeminiGenerationConfig(request.generationConfig),
  };
}
