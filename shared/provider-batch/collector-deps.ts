// What a round of the provider batch collector works with: Firestore, the vendors' batch adapters by route, how a
// waiting task is resumed (the pipeline's, wired by the functions), and its settings.
import type { Firestore } from "firebase-admin/firestore";
import type { BatchProvider } from "../models/batch-provider";
import type { ModelRoute } from "../providers/model-table";

export interface CollectorSettings {
  /** BATCH_GROUP_WINDOW_SECONDS: how long the oldest queued request of a group waits for others to join it. */
  groupWindowSeconds: number;
  /** BATCH_MAX_SUBMISSIONS: vendor jobs one request may be sent in before it fails. */
  maxSubmissions: number;
  /** BATCH_POLL_SECONDS: a vendor job's status is read at most once in this time. */
  pollSeconds: number;
  /** RESPONSE_TTL_DAYS: how long a stored answer is kept. */
  responseTtlDays: number;
  /**
   * How long a round's unfinished work (a vendor create call, the resumes of a settled request) is left to it before
   * another round takes it over: longer than a create call can take (our timeout on each of its calls). Default 300.
   */
  takeOverAfterSeconds?: number;
}

export const DEFAULT_TAKE_OVER_AFTER_SECONDS = 300;

export interface CollectorDeps {
  db: Firestore;
  /** The batch adapter of a model table entry; undefined when its provider has no batch mode. May throw (no key). */
  providers: (route: ModelRoute) => BatchProvider | undefined;
  /** Resumes a task parked on `key`: safe to call again for the same task and key (a named Cloud Tasks task). */
  resume: (taskDocId: string, key: string) => Promise<void>;
  settings: CollectorSettings;
  log?: (message: string, fields?: Record<string, unknown>, severity?: "info" | "warning" | "error") => void;
}

export const takeOverMs = (settings: CollectorSettings) => (settings.takeOverAfterSeconds ?? DEFAULT_TAKE_OVER_AFTER_SECONDS) * 1000;

/** Keys per transaction: each request is one small update, well inside a transaction's write limit. */
export const KEYS_PER_TRANSACTION = 200;

export function chunks<T>(items: readonly T[], size = KEYS_PER_TRANSACTION): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
