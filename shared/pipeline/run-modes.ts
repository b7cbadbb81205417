// How a job's run calls models, from its job document: whether it takes and keeps stored answers (`cache`), and
// whether its model calls go through the vendors' batch APIs (`execution`). Pure: engine options as data.
import type { DocumentData } from "firebase-admin/firestore";
import type { EngineOptions, ResponseStore } from "../engine/engine-options";
import { BATCH_API_PROVIDERS } from "../providers/registry";
import { millisOf } from "./document-fields";

/**
 * A job with `cache` on takes stored answers and keeps new ones (a batch run's repeat is its sample); a job in provider
 * batch mode reads the store for the answers its vendor batches stored. Otherwise nothing is read or written: a task
 * in a job without either costs no Firestore operation more than before.
 */
export function runModes(job: DocumentData | undefined, store: ResponseStore, now: number): Pick<EngineOptions, "responses" | "batchMode"> {
  const cache = job?.cache === true;
  const batch = job?.execution === "provider_batch";
  if (!cache && !batch) return {};
  const sample = typeof job?.repeat === "number" ? job.repeat : 0;
  const runStartedAt = millisOf(job?.started_at) ?? now;
  return {
    responses: { store, sample, cache, runStartedAt },
    ...(batch ? { batchMode: { providers: BATCH_API_PROVIDERS } } : {}),
  };
}
