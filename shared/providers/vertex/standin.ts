// The stand-in's Vertex AI protocol: Gemini's generateContent bodies (../gemini/standin.ts) on Vertex AI's path,
// POST /v1beta1/projects/{p}/locations/{l}/publishers/google/models/{model}:generateContent (v1 too).
// Local code: the offline stand-in loads it (local/standin/standin-server.ts); the deployed bundle never does.
import { createGeminiProtocol } from "../gemini/standin";

export const protocol = createGeminiProtocol(
  "vertex",
  "/v1beta1/projects/{p}/locations/{l}/publishers/google/models/{model}:generateContent",
  /^\/(?:v1beta1|v1)\/projects\/[^/]+\/locations\/[^/]+\/publishers\/google\/models\/([A-Za-z0-9][A-Za-z0-9._@-]*):([A-Za-z]+)$/,
);
