// Builds the engine's options from the environment: model and price tables, every provider (or the offline stand-in), the sink.
import type { DocumentSink } from "../builtins/builtin-function";
import { BUILTIN_FUNCTIONS } from "../builtins/builtin-registry";
import { LOG_COLLECTIONS_ENV, parseCollectionList } from "../builtins/check-collection";
import { createJsonlSink } from "../builtins/jsonl-sink";
import type { EngineOptions } from "../engine/engine-options";
import type { ModelProvider } from "../models/model-provider";
import { PRICE_TABLE_ENV } from "../models/price-table";
import { DEFAULT_RETRY } from "../models/retry";
import { readLimits } from "../limits";
import { buildPriceTable } from "../providers/default-prices";
import { buildModelTable, MODEL_TABLE_ENV, type ModelRoute, type ModelTable } from "../providers/model-table";
import type { BatchProvider } from "../models/batch-provider";
import { positiveNumber, type ProviderSetupFn, type SetupContext } from "../providers/provider-setup";
import { PROVIDER_DEFINITIONS, type ProviderName } from "../providers/registry";

export { STANDIN_API_KEY } from "../providers/provider-setup";

/** What the runtime needs of a stand-in: where it listens, and how to let go of it. */
export interface StandinHandle {
  readonly url: string;
  close(): Promise<void>;
}

export interface RuntimeOptions<S extends StandinHandle = StandinHandle> {
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

export interface Runtime<S extends StandinHandle = StandinHandle> {
  engine: EngineOptions;
  /** Lines to print once at the start of a run: where model calls and documents go. */
  banner: string[];
  /** Set when this runtime started (or attached to) a stand-in. */
  standin?: S;
  /** The batch API of a model table entry's provider (provider batch mode's collector); undefined when it has none. */
  batchProviders: (route: ModelRoute) => BatchProvider | undefined;
  close(): Promise<void>;
}

export async function createRuntime<S extends StandinHandle = StandinHandle>(options: RuntimeOptions<S> = {}): Promise<Runtime<S>> {
  const env = options.env ?? process.env;
  const modelTable = buildModelTable(env[MODEL_TABLE_ENV]);
  const prices = buildPriceTable(env[PRICE_TABLE_ENV]);
  let standin: S | undefined;
  let starting: Promise<S> | undefined;
  const startStandin = options.startStandin;
  // One stand-in for every provider that needs it, started on the first need only.
  const standinUrl = startStandin ? async () => (standin = await (starting ??= startStandin())).url : undefined;
  try {
    const { providers, banner, batches } = await createProviders(env, modelTable, standinUrl);
    const batchProviders = (route: ModelRoute) => batches[route.provider]?.(route);
    const sink = options.sink ?? createJsonlSink(".runs");
    banner.push(`Built-in functions write documents to ${sink.description}.`);
    const logCollections = parseCollectionList(env[LOG_COLLECTIONS_ENV]);
    if (logCollections) banner.push(`Built-in functions may write only to ${logCollections.join(", ")} (${LOG_COLLECTIONS_ENV}).`);
    const engine: EngineOptions = {
      providers,
      modelTable,
      prices,
      functions: BUILTIN_FUNCTIONS,
      sink,
      strict: options.strict ?? env.STRICT_INTERPOLATION === "true",
      retry: {
        maxAttempts: positiveNumber(env.RETRY_MAX_ATTEMPTS) ?? DEFAULT_RETRY.maxAttempts,
        baseDelayMs: positiveNumber(env.RETRY_BASE_DELAY_MS) ?? DEFAULT_RETRY.baseDelayMs,
        maxDelayMs: positiveNumber(env.RETRY_MAX_DELAY_MS) ?? DEFAULT_RETRY.maxDelayMs,
        maxThrottledAttempts: positiveNumber(env.RETRY_MAX_THROTTLED) ?? DEFAULT_RETRY.maxThrottledAttempts!,
      },
      limits: readLimits(env),
      ...(logCollections ? { logCollections } : {}),
    };
    return { engine, banner, batchProviders, ...(standin ? { standin } : {}), close: async () => void (await standin?.close()) };
  } catch (err) {
    await (await starting?.catch(() => undefined))?.close();
    throw err;
  }
}

/**
 * Every provider of the registry, each by its folder's setup.ts, in their setupOrder: Gemini first (its banner line
 * leads, and its missing key stops the runtime as it always has), then the others.
 */
async function createProviders(
  env: NodeJS.ProcessEnv,
  modelTable: ModelTable,
  standinUrl: (() => Promise<string>) | undefined,
): Promise<{
  providers: Record<ProviderName, ModelProvider>;
  banner: string[];
  batches: Partial<Record<ProviderName, (route: ModelRoute) => BatchProvider>>;
}> {
  const timeoutMs = positiveNumber(env.MODEL_TIMEOUT_MS);
  const ctx: SetupContext = { env, deployed: isDeployed(env), ...(standinUrl ? { standinUrl } : {}), ...(timeoutMs ? { timeoutMs } : {}) };
  const providers: Partial<Record<ProviderName, ModelProvider>> = {};
  const batches: Partial<Record<ProviderName, (route: ModelRoute) => BatchProvider>> = {};
  const banner: string[] = [];
  for (const { name } of [...PROVIDER_DEFINITIONS].sort((a, b) => a.setupOrder - b.setupOrder)) {
    const setup = await loadSetup(name);
    const made = await setup(ctx, modelTable);
    providers[name] = made.provider;
    if (made.batch) batches[name] = made.batch;
    banner.push(...made.banner);
  }
  return { providers: providers as Record<ProviderName, ModelProvider>, banner, batches };
}

/** A provider's runtime binding, its folder's setup.ts, loaded by name (the bundler takes every providers/x/setup.ts). */
async function loadSetup(name: ProviderName): Promise<ProviderSetupFn> {
  const module = (await import(`../providers/${name}/setup.ts`)) as { setup?: ProviderSetupFn };
  if (typeof module.setup !== "function") throw new Error(`shared/providers/${name}/setup.ts exports no setup function`);
  return module.setup;
}

/** A Cloud Run service that is not the emulator: the deployed functions. */
function isDeployed(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.K_SERVICE) && env.FUNCTIONS_EMULATOR !== "true";
}
