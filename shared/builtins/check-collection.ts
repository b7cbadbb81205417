// Decides which collections firestore_log may write: never the pipeline's own, and only the allow-list's when one is set.
import { PIPELINE_COLLECTIONS } from "../collections";

/** The environment variable holding the allow-list: comma-separated collection ids. */
export const LOG_COLLECTIONS_ENV = "FIRESTORE_LOG_COLLECTIONS";

/** The allow-list from its environment value; unset or blank means no allow-list (any other collection may be written). */
export function parseCollectionList(value: string | undefined): readonly string[] | undefined {
  const names = (value ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  return names.length ? [...new Set(names)] : undefined;
}

/**
 * Why `collection` may not be written, or undefined when it may. A request is built from model answers, so it
 * must never reach the pipeline's collections: a row in tasks/ would be run by the trigger, and a prompt
 * injection would turn into unbounded model spend. Collection ids are compared exactly, as Firestore does
 * ("Tasks" is another collection that no trigger watches).
 */
export function checkCollection(collection: string, allowed: readonly string[] | undefined): string | undefined {
  if (PIPELINE_COLLECTIONS.includes(collection)) {
    const listed = allowed?.includes(collection) ? ` (${LOG_COLLECTIONS_ENV} lists it, but that cannot open it)` : "";
    return `request.collection "${collection}" is reserved for the pipeline${listed}; the pipeline's collections (${PIPELINE_COLLECTIONS.join(", ")}) are never written by firestore_log: log rows to a collection of your own, e.g. "TaskLogs"`;
  }
  if (allowed && !allowed.includes(collection)) {
    return `request.collection "${collection}" is not allowed: ${LOG_COLLECTIONS_ENV} allows only ${allowed.join(", ")}; write to one of those or add it to ${LOG_COLLECTIONS_ENV}`;
  }
  return undefined;
}
