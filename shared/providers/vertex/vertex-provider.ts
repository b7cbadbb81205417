// The Vertex AI provider: Gemini on Vertex AI through @google/genai (`vertexai: true`), loaded on first use only.
//
// Deployed it authenticates with Application Default Credentials, which in Cloud Functions is the function's service
// account: no key. With a base URL (the offline stand-in) it sends a fixed bearer token instead, so that no
// credential lookup (a metadata-server call, an error offline) happens where none is needed.
import type { GoogleGenAI, GoogleGenAIOptions } from "@google/genai";
import { DEFAULT_MODEL_TIMEOUT_MS, lazyImport, withCallTimeout } from "../../models/call-timeout";
import { toGeminiGenerationConfig } from "../gemini/gemini-generation-config";
import { mapGeminiResponse } from "../gemini/map-gemini-response";
import { mapVertexError } from "./map-vertex-error";
import type { ModelProvider, ModelRequest, ModelResult } from "../../models/model-provider";
import { isVertexRoute } from "./definition";

export interface VertexProviderOptions {
  /** The Google Cloud project billed for the calls (the Firebase project when deployed). */
  project: string;
  /** Where an entry without its own `location` runs; `global` serves the current Gemini models. */
  location: string;
  /** Sends the calls here without Google credentials: the offline stand-in. */
  baseUrl?: string;
  /** Per-request timeout (default 120 s; 0 = none). */
  timeoutMs?: number;
}

const loadSdk = lazyImport(() => import("@google/genai"));

/** A stand-in for google-auth-library's client: the SDK asks it for headers, and it never looks for credentials. */
const OFFLINE_AUTH = { getRequestHeaders: () => Promise.resolve(new Headers({ authorization: "Bearer offline-standin" })) };

export function createVertexProvider(options: VertexProviderOptions): ModelProvider {
  const baseUrl = options.baseUrl?.replace(/\/+$/, "") || undefined;
  const timeoutMs = options.timeoutMs ?? DEFAULT_MODEL_TIMEOUT_MS;
  const clients = new Map<string, GoogleGenAI>();

  const clientFor = async (location: string): Promise<GoogleGenAI> => {
    const existing = clients.get(location);
    if (existing) return existing;
    const { GoogleGenAI: Sdk } = await loadSdk();
    const settings: GoogleGenAIOptions = { vertexai: true, project: options.project, location };
    if (baseUrl) {
      settings.httpOptions = { baseUrl };
      // The SDK takes any object with getRequestHeaders as its auth client; the cast says so to its types.
      settings.googleAuthOptions = {
        authClient: OFFLINE_AUTH as unknown as NonNullable<NonNullable<GoogleGenAIOptions["googleAuthOptions"]>["authClient"]>,
      };
    }
    const client = new Sdk(settings);
    clients.set(location, client);
    return client;
  };

  const generate = async (request: ModelRequest): Promise<ModelResult> => {
    const location = (isVertexRoute(request.route) ? request.route.location : undefined) ?? options.location;
    const where = baseUrl ?? `Vertex AI (${options.project}, ${location})`;
    return withCallTimeout(
      request.signal,
      timeoutMs,
      async (signal) => {
        const client = await clientFor(location);
        const response = await client.models.generateContent({
          model: request.model,
          contents: request.userPrompt,
          config: {
            ...toGeminiGenerationConfig(request.generationConfig),
            ...(request.systemPrompt ? { systemInstruction: request.systemPrompt } : {}),
            abortSignal: signal,
          },
        });
        return mapGeminiResponse(response, request.model);
      },
      (err, ending) => mapVertexError(err, { model: request.model, baseUrl: where, timeoutMs, ...ending }),
    );
  };

  return { name: "vertex", generate };
}
