// Builds each non-Gemini provider from the environment: its key or the offline stand-in, and one banner line saying
// which. A missing key never stops the runtime: the provider's steps fail with config_error, the others run.
import { createAnthropicProvider } from "./anthropic/anthropic-provider";
import { ModelCallError } from "../models/model-call-error";
import type { ModelProvider } from "../models/model-provider";
import type { ModelTable, RouteOf } from "./model-table";
import { createOpenAiProvider, type OpenAiEndpoint } from "./openai/openai-provider";
import { createUnavailableProvider } from "../models/unavailable-provider";
import { createVertexProvider } from "./vertex/vertex-provider";

/** Placeholder secret value (what our tooling writes for the emulator): it means "no key". */
export const STANDIN_API_KEY = "offline-standin";
/**
 * Values that mean "no key": the placeholder, and `none` for a deployment that declares a secret it does not use
 * (Cloud Functions will not deploy a function whose declared secret does not exist, so one is set to `none`).
 */
const NO_KEY = new Set([STANDIN_API_KEY, "none"]);

export interface SetupContext {
  env: NodeJS.ProcessEnv;
  /** Running as a deployed function (not the emulator): no stand-in, errors name the secret and the command. */
  deployed: boolean;
  /** The shared stand-in's URL, started on first need; absent when this driver may not start one (the functions). */
  standinUrl?: () => Promise<string>;
  timeoutMs?: number;
}

export interface ProviderSetup {
  provider: ModelProvider;
  banner: string[];
}

/** A secret's value, with our placeholder and blanks read as unset. */
export function secretFrom(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value && !NO_KEY.has(value.toLowerCase()) ? value : undefined;
}

/** What to do about a missing key: deployed, set the secret and deploy; locally, use the tooling that starts the stand-in. */
export function missingKeyMessage(secret: string, what: string, baseUrlVar: string, deployed: boolean): string {
  if (deployed) {
    return `${secret} is not set, so ${what} cannot be called (deployed functions never fall back to the offline stand-in): set the secret with \`firebase functions:secrets:set ${secret}\`, then deploy again (\`firebase deploy --only functions\`)`;
  }
  return `${secret} is not set and no ${baseUrlVar} names a stand-in, so ${what} cannot be called: run the functions in the Firebase emulators (\`firebase emulators:start\`, or \`npm start\`), which start the stand-in themselves, or set ${secret}`;
}

export async function setupAnthropic(ctx: SetupContext): Promise<ProviderSetup> {
  const { env } = ctx;
  const apiKey = secretFrom(env, "ANTHROPIC_API_KEY");
  let baseUrl = env.ANTHROPIC_BASE_URL?.trim() || undefined;
  const timeout = ctx.timeoutMs ? { timeoutMs: ctx.timeoutMs } : {};
  if (apiKey) {
    return {
      provider: createAnthropicProvider({ apiKey, ...(baseUrl ? { baseUrl } : {}), ...timeout }),
      banner: baseUrl ? [`Anthropic base URL overridden: ${baseUrl}`] : [],
    };
  }
  if (!baseUrl && ctx.standinUrl) baseUrl = await ctx.standinUrl();
  if (!baseUrl) {
    const message = missingKeyMessage(
      "ANTHROPIC_API_KEY",
      "Claude (model keys with provider anthropic)",
      "ANTHROPIC_BASE_URL",
      ctx.deployed,
    );
    return {
      provider: createUnavailableProvider("anthropic", message),
      banner: [
        `No ANTHROPIC_API_KEY set: steps that call Claude fail with config_error (${ctx.deployed ? "`firebase functions:secrets:set ANTHROPIC_API_KEY`" : "set it, or run through npm start"}).`,
      ],
    };
  }
  return {
    provider: createAnthropicProvider({ apiKey: STANDIN_API_KEY, baseUrl, ...timeout }),
    banner: [`No ANTHROPIC_API_KEY set: Claude calls go to the offline stand-in at ${baseUrl} (its answers echo the prompt).`],
  };
}

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

export async function setupVertex(ctx: SetupContext): Promise<ProviderSetup> {
  const { env } = ctx;
  const location = env.VERTEX_LOCATION?.trim() || "global";
  const project = vertexProject(env);
  let baseUrl = env.VERTEX_BASE_URL?.trim() || undefined;
  const timeout = ctx.timeoutMs ? { timeoutMs: ctx.timeoutMs } : {};
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
      : "no Google Cloud project for Vertex AI and no VERTEX_BASE_URL names a stand-in: set GOOGLE_CLOUD_PROJECT (with `gcloud auth application-default login`), or run the functions in the Firebase emulators (`firebase emulators:start`, or `npm start`), which start the stand-in themselves";
    return {
      provider: createUnavailableProvider("vertex", message),
      banner: ["No Vertex AI project set: steps that call Vertex AI fail with config_error (set GOOGLE_CLOUD_PROJECT or VERTEX_BASE_URL)."],
    };
  }
  return {
    provider: createVertexProvider({ project: project ?? STANDIN_API_KEY, location, baseUrl, ...timeout }),
    banner: [
      `No Vertex AI project set (GOOGLE_CLOUD_PROJECT), or VERTEX_BASE_URL given: Vertex AI calls go to the offline stand-in at ${baseUrl}, without Google credentials.`,
    ],
  };
}

/**
 * OpenAI-compatible entries each name their server; OPENAI_BASE_URL, when set, sends them all there (the stand-in).
 * An entry whose key (OPENAI_API_KEY, or its api_key_env) is missing goes to the stand-in locally and fails deployed.
 */
export async function setupOpenAi(ctx: SetupContext, table: ModelTable): Promise<ProviderSetup> {
  const { env } = ctx;
  const override = env.OPENAI_BASE_URL?.trim() || undefined;
  const entries = Object.entries(table).filter((e): e is [string, RouteOf<"openai">] => e[1].provider === "openai");
  const keyless = entries.filter(([, route]) => !secretFrom(env, route.api_key_env ?? "OPENAI_API_KEY"));
  const standin = !override && keyless.length && ctx.standinUrl ? `${await ctx.standinUrl()}/v1` : undefined;
  const banner: string[] = [];
  if (override) banner.push(`OpenAI-compatible calls go to OPENAI_BASE_URL: ${override}`);
  else if (keyless.length) {
    const keys = keyless.map(([key]) => key).join(", ");
    banner.push(
      standin
        ? `No key set for ${keys}: their calls go to the offline stand-in at ${standin} (its answers echo the prompt).`
        : `No key set for ${keys}: their steps fail with config_error.`,
    );
  }
  const endpointFor = (route: RouteOf<"openai">): OpenAiEndpoint | ModelCallError => {
    const keyName = route.api_key_env ?? "OPENAI_API_KEY";
    const apiKey = secretFrom(env, keyName);
    if (override) return { baseUrl: override, apiKey: apiKey ?? STANDIN_API_KEY, keyName };
    if (apiKey) return { baseUrl: route.base_url, apiKey, keyName };
    if (standin) return { baseUrl: standin, apiKey: STANDIN_API_KEY, keyName };
    const message = missingKeyMessage(keyName, `the OpenAI-compatible server at ${route.base_url}`, "OPENAI_BASE_URL", ctx.deployed);
    return new ModelCallError(`${message} (a server that needs no key, such as Ollama, takes any value)`, "config");
  };
  return { provider: createOpenAiProvider({ endpointFor, ...(ctx.timeoutMs ? { timeoutMs: ctx.timeoutMs } : {}) }), banner };
}
