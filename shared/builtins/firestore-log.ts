// The built-in `firestore_log` (originally `gcp_firestore_log`): writes one row of data as a document.
import { FunctionCallError, type BuiltinFunction } from "./builtin-function";
import { checkCollection } from "./check-collection";

const COLLECTION_ID = /^[^/]{1,1500}$/;

/**
 * Request: JSON `{ "collection": "...", "document_id"?: "...", "data": { ... } }`. Result: the original's JSON
 * `{ "status": "success"|"error", "document_id", "error"? }`. Without a document_id the id is derived from the
 * task run and step, so running the same task run again overwrites its row instead of adding a second one.
 * The pipeline's own collections are refused, and with FIRESTORE_LOG_COLLECTIONS (ctx.allowedCollections) set,
 * every collection it does not list (check-collection.ts).
 */
export const firestoreLog: BuiltinFunction = async (request, ctx) => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(request);
  } catch (err) {
    return fail(`request is not JSON (${(err as Error).message}); expected {"collection": ..., "data": {...}}`, "");
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return fail("request must be a JSON object", "");
  const { collection, document_id, data } = parsed as Record<string, unknown>;
  if (typeof collection !== "string" || !COLLECTION_ID.test(collection)) {
    return fail('request.collection is required: a collection name without "/"', "");
  }
  const refused = checkCollection(collection, ctx.allowedCollections);
  if (refused) return fail(refused, "");
  if (document_id !== undefined && (typeof document_id !== "string" || !COLLECTION_ID.test(document_id))) {
    return fail('request.document_id must be a document id without "/"', "");
  }
  if (data !== undefined && (data === null || typeof data !== "object" || Array.isArray(data))) {
    return fail("request.data must be a JSON object", "");
  }
  const id = document_id ?? `${ctx.executionId}-${ctx.stepId}`.replace(/\//g, "_");
  const row = { ...(data as Record<string, unknown> | undefined), timestamp: new Date().toISOString(), execution_id: ctx.executionId };
  try {
    await ctx.sink.write(collection, id, row);
  } catch (err) {
    return fail(`writing ${collection}/${id} failed: ${(err as Error).message}`, id, true);
  }
  return JSON.stringify({ status: "success", document_id: id });
};

function fail(error: string, documentId: string, retryable = false): never {
  throw new FunctionCallError(`firestore_log: ${error}`, JSON.stringify({ status: "error", document_id: documentId, error }), retryable);
}
