// What the engine runs with: providers, tables, the built-in functions and their sink, limits and retries. Its own
// module, so that the parts of a step (step-scope.ts, call-model.ts, ...) and runStep read it without importing each other.
import type { DocumentSink } from "../builtins/builtin-function";
import type { FunctionRegistry } from "../builtins/builtin-registry";
import type { ModelProvider } from "../models/model-provider";
import type { ModelTable } from "../providers/model-table";
import type { ProviderName } from "../providers/registry";
import type { PriceTable } from "../models/price-table";
import type { RetryEnv, RetryPolicy } from "../models/retry";
import type { StepRecord } from "./run-record";

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
  /** Fail a step whose prompt names a variable it does not have, instead of leaving `%name%` in place. */
  strict?: boolean;
  /** Largest interpolated prompt (system + user) or request, in characters; larger fails the step unsent. */
  maxPromptChars?: number;
  retry?: RetryPolicy;
  retryEnv?: RetryEnv;
  signal?: AbortSignal;
  /** Called as each step ends (progress display, checkpoints). */
  onStepEnd?: (record: StepRecord, index: number) => void;
}
