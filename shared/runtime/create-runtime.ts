// Builds the engine's options from the environment: model table, Gemini (or the offline stand-in), the sink.
import type { DocumentSink } from "../builtins/builtin-function";
import { BUILTIN_FUNCTIONS } from "../builtins/builtin-registry";
import { LOG_COLLECTIONS_ENV, parseCollectionList } from "../builtins/check-collection";
import { createJsonlSink } from "../builtins/jsonl-sink";
import type { EngineOptions } from "../engine/run-step";
import { createGeminiProvider } from "../models/gemini-provider";
import { buildModelTable, MODEL_TABLE_ENV } from "../models/model-table";
import { DEFAULT_RETRY } from "../models/retry";
import type { Standin } from "../standin/standin-server";

export interface RuntimeOptions {
  env?: NodeJS.ProcessEnv;
  /** Where built-in functions write; defaults to JSONL files under `.runs/` in the working directory. */
  sink?: DocumentSink;
  strict?: boolean;
  /**
   * Starts the offline stand-in when there is no GEMINI_API_KEY and no GEMINI_BASE_URL. Only local drivers (the
   * CLIs, the tests) pass one: the deployed functions have none, so a missing key fails closed instead of
   * answering with made-up text (and the stand-in stays out of the deployed bundle).
   */
  startStandin?: () => Promise<Standin>;
}

export interface Runtime {
  engine: EngineOptions;
  /** Lines to print once at the start of a run: where model calls and documents go. */
  banner: string[];
  /** Set when this runtime started its own stand-in. */
  standin?: Standin;
  close(): Promise<void>;
}

export const STANDIN_API_KEY = "offline-standin";

/** Environment numbers that tune the runtime (documented in the README's configuration table). */
const positive = (value: string | undefined): number | undefined => {
  const n = Number(value);
  return value && Number.isFinite(n) && n > 0 ? n : undefined;
};

export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const env = options.env ?? process.env;
  const modelTable = buildModelTable(env[MODEL_TABLE_ENV]);
  const banner: string[] = [];
  // The emulator needs some value for the declared secret; our tooling writes this placeholder, meaning "none".
  let apiKey = env.GEMINI_API_KEY?.trim();
  if (apiKey === STANDIN_API_KEY) apiKey = undefined;
  let baseUrl = env.GEMINI_BASE_URL?.trim() || undefined;
  let standin: Standin | undefined;
  if (!apiKey) {
    if (!baseUrl) {
      if (!options.startStandin) throw new Error(missingKeyMessage(env));
      standin = await options.startStandin();
      baseUrl = standin.url;
    }
    apiKey = STANDIN_API_KEY;
    banner.push(`No GEMINI_API_KEY set: model calls go to the offline Gemini stand-in at ${baseUrl} (its answers echo the prompt).`);
  } else if (baseUrl) {
    banner.push(`Gemini base URL overridden: ${baseUrl}`);
  }
  const sink = options.sink ?? createJsonlSink(".runs");
  banner.push(`Built-in functions write documents to ${sink.description}.`);
  const logCollections = parseCollectionList(env[LOG_COLLECTIONS_ENV]);
  if (logCollections) banner.push(`Built-in functions may write only to ${logCollections.join(", ")} (${LOG_COLLECTIONS_ENV}).`);
  const timeoutMs = positive(env.GEMINI_TIMEOUT_MS);
  const maxPromptChars = positive(env.MAX_PROMPT_CHARS);
  const engine: EngineOptions = {
    providers: { gemini: createGeminiProvider({ apiKey, ...(baseUrl ? { baseUrl } : {}), ...(timeoutMs ? { timeoutMs } : {}) }) },
    modelTable,
    functions: BUILTIN_FUNCTIONS,
    sink,
    strict: options.strict ?? env.STRICT_INTERPOLATION === "true",
    retry: {
      maxAttempts: positive(env.RETRY_MAX_ATTEMPTS) ?? DEFAULT_RETRY.maxAttempts,
      baseDelayMs: positive(env.RETRY_BASE_DELAY_MS) ?? DEFAULT_RETRY.baseDelayMs,
      maxDelayMs: positive(env.RETRY_MAX_DELAY_MS) ?? DEFAULT_RETRY.maxDelayMs,
      maxThrottledAttempts: positive(env.RETRY_MAX_THROTTLED) ?? DEFAULT_RETRY.maxThrottledAttempts!,
    },
    ...(maxPromptChars ? { maxPromptChars } : {}),
    ...(logCollections ? { logCollections } : {}),
  };
  return {
    engine,
    banner,
    ...(standin ? { standin } : {}),
    close: async () => {
      await standin?.close();
    },
  };
}

/** Deployed (a Cloud Run service, not the emulator) the fix is the secret; locally, the tooling that starts the stand-in. */
function missingKeyMessage(env: NodeJS.ProcessEnv): string {
  const deployed = Boolean(env.K_SERVICE) && env.FUNCTIONS_EMULATOR !== "true";
  if (deployed) {
    return "GEMINI_API_KEY is not set, and deployed functions never fall back to the offline stand-in: set the secret with `firebase functions:secrets:set GEMINI_API_KEY`, then deploy again (`firebase deploy --only functions`)";
  }
  return "GEMINI_API_KEY is not set and no GEMINI_BASE_URL names a Gemini stand-in: run the emulators through `npm start` or `npm run emulators` (they start the stand-in), or set GEMINI_API_KEY";
}
