// The Vertex AI provider from the environment: a Google Cloud project (with Application Default Credentials), else
// VERTEX_BASE_URL or the offline stand-in, else a provider whose steps fail with config_error while the others run.
import { createUnavailableProvider } from "../../models/unavailable-provider";
import { positiveNumber, STANDIN_API_KEY, type ProviderSetupFn } from "../provider-setup";
import { vertex } from "./definition";
import { createVertexProvider } from "./vertex-provider";

/** The Google Cloud project for Vertex AI: set explicitly, or the Firebase project the functions run in. Demo projects are not real ones. */
export function vertexProject(env: NodeJS.ProcessEnv): string | undefined {
  let fromFirebase: string | undefined;
  try {
    const config: unknown = env.FIREBASE_CONFIG?.trim().startsWith("{") ? JSON.parse(env.FIREBASE_CONFIG) : undefined;
    fromFirebase = (config as { projectId?: string } | undefined)?.projectId;
  } catch {
    fromFirebase = undefined;
  }
  const project = [env.VERTEX_PROJECT, env.GOOGLE_CLOUD_PROJECT, env.GCLOUD_PROJECT, fromFirebase].map((p) => p?.trim()).find(Boolean);
  return project && !project.startsWith("demo-") ? project : undefined;
}

export const setup: ProviderSetupFn = async (ctx) => {
  const { env } = ctx;
  const location = env.VERTEX_LOCATION?.trim() || "global";
  const project = vertexProject(env);
  let baseUrl = env[vertex.baseUrlEnv]?.trim() || undefined;
  // Gemini's own timeout, on whichever service it runs; else every provider's (MODEL_TIMEOUT_MS).
  const timeoutMs = positiveNumber(env.GEMINI_TIMEOUT_MS) ?? ctx.timeoutMs;
  const timeout = timeoutMs ? { timeoutMs } : {};
  if (!baseUrl && project) {
    return {
      provider: createVertexProvider({ project, location, ...timeout }),
      banner: [
        `Vertex AI calls go to project ${project}, location ${location} (entries may set their own), with Application Default Credentials.`,
      ],
    };
  }
  if (!baseUrl && ctx.standinUrl) baseUrl = await ctx.standinUrl();
  if (!baseUrl) {
    const message = ctx.deployed
      ? "no Google Cloud project for Vertex AI: deployed functions get it from GOOGLE_CLOUD_PROJECT/GCLOUD_PROJECT; set VERTEX_PROJECT in functions/.env"
      : `no Google Cloud project for Vertex AI and no ${vertex.baseUrlEnv} names a stand-in: set GOOGLE_CLOUD_PROJECT (with \`gcloud auth application-default login\`), or run the functions in the Firebase emulators (\`firebase emulators:start\`, or \`npm start\`), which start the stand-in themselves`;
    return {
      provider: createUnavailableProvider(vertex.name, message),
      banner: [
        `No Vertex AI project set: steps that call Vertex AI fail with config_error (set GOOGLE_CLOUD_PROJECT or ${vertex.baseUrlEnv}).`,
      ],
    };
  }
  return {
    provider: createVertexProvider({ project: project ?? STANDIN_API_KEY, location, baseUrl, ...timeout }),
    banner: [
      `No Vertex AI project set (GOOGLE_CLOUD_PROJECT), or ${vertex.baseUrlEnv} given: Vertex AI calls go to the offline stand-in at ${baseUrl}, without Google credentials.`,
    ],
  };
};
