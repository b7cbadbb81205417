// What the engine runs with: providers, tables, the built-in functions and their sink, limits and retries. Its own
// module, so that the parts of a step (step-scope.ts, call-model.ts, ...) and runStep read it without importing each other.
import type { DocumentSink } from "../builtins/builtin-function";
import type { FunctionRegistry } from "../builtins/builtin-registry";
import type { Limits } from "../limits";
import type { ModelProvider } from "../models/model-provider";
import type { ModelTable } from "../providers/model-table";
import type { ProviderName } from "../providers/registry";
import type { PriceTable } from "../models/price-table";
import type { RetryEnv, RetryPolicy } from "../models/retry";
import type { TokenUsage } from "../models/token-usage";
import type { Cost, StepRecord } from "./run-record";

/**
 * The budgets a run is held to (its job's, its batch's, its owner's daily ceiling), as the pipeline knows them: asked
 * before every model call, told the cost of every priced step.
 */
export interface SpendGuard {
  /** Why the next model call may not be made (a budget is spent: the message says which and what to do), or undefined. */
  beforeModelCall(): Promise<string | undefined>;
  /** Records what a step cost, so that the next check here, and in every other run of the same budget, sees it. */
  recordStep(cost: Cost): Promise<void>;
}

/** A model's answer as the response store keeps it. */
export interface StoredAnswer {
  text: string;
  finishReason: string;
  /** What the call that answered was billed (a step that takes the stored answer is billed nothing). */
  usage: TokenUsage;
  /** How it was paid: a vendor batch answers at the batch price (provider batch mode). */
  billing?: "standard" | "batch" | undefined;
  /** When it was stored (epoch ms). */
  storedAt?: number | undefined;
}

/** Model answers by the key of what was asked (response-key.ts), scoped to one owner by the store itself. */
export interface ResponseStore {
  /** The stored answer, or undefined (none, expired, or another owner's). */
  get(key: string): Promise<StoredAnswer | undefined>;
  /** Keeps an answer; the store may write it later (the pipeline writes them beside the task's finishing commit). */
  put(key: string, answer: StoredAnswer, route: { provider: string; model: string }): void;
}

export interface EngineOptions {
  /** A provider per route kind the model table uses; a step whose provider is missing fails with config_error. */
  providers: Readonly<Partial<Record<ProviderName, ModelProvider>>>;
  modelTable: ModelTable;
  /** Prices of the models, for each step's cost; DEFAULT_PRICE_TABLE when absent. */
  prices?: PriceTable;
  functions: FunctionRegistry;
  sink: DocumentSink;
  /** FIRESTORE_LOG_COLLECTIONS: when set, the only collections built-in functions may write (never the pipeline's). */
  logCollections?: readonly string[];
  /** The uid of the user whose job this is (the task's owner_uid): rows its built-in functions write carry it. */
  ownerUid?: string | undefined;
  /** Fail a step whose prompt names a variable it does not have, instead of leaving `%name%` in place. */
  strict?: boolean;
  /**
   * The deployment's limits (shared/limits.ts; DEFAULT_LIMITS when absent): an interpolated prompt or request, what a
   * run may hold, steps per task, the answer extraction rules run on.
   */
  limits?: Limits;
  retry?: RetryPolicy;
  retryEnv?: RetryEnv;
  signal?: AbortSignal;
  /**
   * The response store of a run whose job has `cache` on or runs in provider batch mode, and the run's sample (a batch
   * run's repeat index). A model step takes the stored answer to what it asks: any, with `cache`; else only one a
   * vendor batch stored for this run (since `runStartedAt`). Absent, nothing is stored or read.
   */
  responses?: { store: ResponseStore; sample: number; cache: boolean; runStartedAt: number };
  /**
   * Provider batch mode (docs/provider-batch.md): a model step whose answer is not stored does not call; the run ends
   * `waiting` for it. `providers` are those with a batch API.
   */
  batchMode?: { providers: readonly string[] };
  /** Budgets to check before each model call; absent, nothing is checked. */
  spend?: SpendGuard;
  /** Called as each step ends (progress display, checkpoints). */
  onStepEnd?: (record: StepRecord, index: number) => void;
}
