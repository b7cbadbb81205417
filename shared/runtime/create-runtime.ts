// Builds the engine's options from the environment: model and price tables, every provider (or the offline stand-in), the sink.
import type { DocumentSink } from "../builtins/builtin-function";
import { BUILTIN_FUNCTIONS } from "../builtins/builtin-registry";
import { LOG_COLLECTIONS_ENV, parseCollectionList } from "../builtins/check-collection";
import { createJsonlSink } from "../builtins/jsonl-sink";
import type { EngineOptions } from "../engine/engine-options";
import { createGeminiProvider } from "../providers/gemini/gemini-provider";
import type { ModelProvider } from "../models/model-provider";
import { buildModelTable, MODEL_TABLE_ENV, type ProviderName } from "../providers/model-table";
import { buildPriceTable, PRICE_TABLE_ENV } from "../models/price-table";
import { DEFAULT_RETRY } from "../models/retry";
import type { Standin } from "../../local/standin/standin-server";
import { secretFrom, setupAnthropic, setupOpenAi, setupVertex, STANDIN_API_KEY, type SetupContext } from "../providers/provider-setup";

export { STANDIN_API_KEY } from "../providers/provider-setup";

/** What the runtime needs of a stand-in: where it listens, and how to let go of it. */
export interface StandinHandle {
  readonly url: string;
  close(): Promise<void>;
}

export interface RuntimeOptions<S extends StandinHandle = Standin> {
  env?: NodeJS.ProcessEnv;
  /** Where built-in functions write; defaults to JSONL files under `.runs/` in the working directory. */
  sink?: DocumentSink;
  strict?: boolean;
  /**
   * Starts the offline stand-in when a provider has no key and no base URL (GEMINI_API_KEY / GEMINI_BASE_URL and the
   * like); one stand-in serves every provider. Only local drivers pass one: the CLIs and tests (an in-process
   * stand-in) and the functions in the emulator (the session's shared stand-in process); deployed functions have
   * none, so a missing key fails closed instead of answering with made-up text. Gemini's missing key stops the
   * runtime; another provider's fails its steps.
   */
  startStandin?: () => Promise<S>;
}

export interface Runtime<S extends StandinHandle = Standin> {
  engine: EngineOptions;
  /** Lines to print once at the start of a run: where model calls and documents go. */
  banner: string[];
  /** Set when this runtime started (or attached to) a stand-in. */
  standin?: S;
  close(): Promise<void>;
}

/** Environment numbers that tune the runtime (documented in the README's configuration table). */
const positive = (value: string | undefined): number | undefined => {
  const n = Number(value);
  return value && Number.isFinite(n) && n > 0 ? n : undefined;
};

export async function createRuntime<S extends StandinHandle = Standin>(options: RuntimeOptions<S> = {}): Promise<Runtime<S>> {
  const env = options.env ?? process.env;
  const modelTable = buildModelTable(env[MODEL_TABLE_ENV]);
  const prices = buildPriceTable(env[PRICE_TABLE_ENV]);
  let standin: S | undefined;
  let starting: Promise<S> | undefined;
  const startStandin = options.startStandin;
  // One stand-in for every provider that needs it, started on the first need only.
  const standinUrl = startStandin ? async () => (standin = await (starting ??= startStandin())).url : undefined;
  try {
    const { providers, banner } = await createProviders(env, modelTable, standinUrl);
    const sink = options.sink ?? createJsonlSink(".runs");
    banner.push(`Built-in functions write documents to ${sink.description}.`);
    const logCollections = parseCollectionList(env[LOG_COLLECTIONS_ENV]);
    if (logCollections) banner.push(`Built-in functions may write only to ${logCollections.join(", ")} (${LOG_COLLECTIONS_ENV}).`);
    const maxPromptChars = positive(env.MAX_PROMPT_CHARS);
    const engine: EngineOptions = {
      providers,
      modelTable,
      prices,
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
    return { engine, banner, ...(standin ? { standin } : {}), close: async () => void (await standin?.close()) };
  } catch (err) {
    await (await starting?.catch(() => undefined))?.close();
    throw err;
  }
}

/** Gemini first (its banner line leads, and its missing key stops the runtime as it always has), then the others. */
async function createProviders(
  env: NodeJS.ProcessEnv,
  modelTable: ReturnType<typeof buildModelTable>,
  standinUrl: (() => Promise<string>) | undefined,
): Promise<{ providers: Record<ProviderName, ModelProvider>; banner: string[] }> {
  const banner: string[] = [];
  const deployed = isDeployed(env);
  const timeoutMs = positive(env.MODEL_TIMEOUT_MS);
  let apiKey = secretFrom(env, "GEMINI_API_KEY");
  let baseUrl = env.GEMINI_BASE_URL?.trim() || undefined;
  if (!apiKey) {
    if (!baseUrl) {
      if (!standinUrl) throw new Error(missingKeyMessage(env));
      baseUrl = await standinUrl();
    }
    apiKey = STANDIN_API_KEY;
    banner.push(`No GEMINI_API_KEY set: model calls go to the offline Gemini stand-in at ${baseUrl} (its answers echo the prompt).`);
  } else if (baseUrl) {
    banner.push(`Gemini base URL overridden: ${baseUrl}`);
  }
  const geminiTimeout = positive(env.GEMINI_TIMEOUT_MS) ?? timeoutMs;
  const gemini = createGeminiProvider({ apiKey, ...(baseUrl ? { baseUrl } : {}), ...(geminiTimeout ? { timeoutMs: geminiTimeout } : {}) });
  const ctx: SetupContext = { env, deployed, ...(standinUrl ? { standinUrl } : {}), ...(timeoutMs ? { timeoutMs } : {}) };
  const anthropic = await setupAnthropic(ctx);
  const vertex = await setupVertex({ ...ctx, ...(geminiTimeout ? { timeoutMs: geminiTimeout } : {}) });
  const openai = await setupOpenAi(ctx, modelTable);
  banner.push(...anthropic.banner, ...vertex.banner, ...openai.banner);
  return { providers: { gemini, anthropic: anthropic.provider, vertex: vertex.provider, openai: openai.provider }, banner };
}

/** A Cloud Run service that is not the emulator: the deployed functions. */
function isDeployed(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.K_SERVICE) && env.FUNCTIONS_EMULATOR !== "true";
}

/** Deployed (a Cloud Run service, not the emulator) the fix is the secret; locally, the tooling that starts the stand-in. */
function missingKeyMessage(env: NodeJS.ProcessEnv): string {
  if (isDeployed(env)) {
    return "GEMINI_API_KEY is not set, and deployed functions never fall back to the offline stand-in: set the secret with `firebase functions:secrets:set GEMINI_API_KEY`, then deploy again (`firebase deploy --only functions`)";
  }
  return "GEMINI_API_KEY is not set and no GEMINI_BASE_URL names a Gemini stand-in: run the functions in the Firebase emulators (`firebase emulators:start`, or `npm start`), which start the stand-in themselves, or set GEMINI_API_KEY";
}
