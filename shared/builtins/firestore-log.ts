// The built-in `firestore_log` (originally `gcp_firestore_log`): writes one row of data as a document.
import { documentIdProblem } from "../ids";
import { FunctionCallError, RowOwnerConflict, type BuiltinFunction, type FunctionContext, type RowHolder } from "./builtin-function";
import { checkCollection } from "./check-collection";

/** The row field naming the user whose job wrote it: set from the job, never from the request. */
export const ROW_OWNER_FIELD = "owner_uid";

interface LogRequest {
  collection: string;
  documentId: string;
  data: Record<string, unknown>;
}

/**
 * Request: JSON `{ "collection": "...", "document_id"?: "...", "data": { ... } }`. Result: the original's JSON
 * `{ "status": "success"|"error", "document_id", "error"? }`. Without a document_id the id is derived from the
 * task run and step, so running the same task run again overwrites its row instead of adding a second one.
 * The pipeline's own collections are refused, and with FIRESTORE_LOG_COLLECTIONS (ctx.allowedCollections) set,
 * every collection it does not list (check-collection.ts). A row of an owned job carries its owner_uid, and a row
 * another owner wrote is never overwritten (the sink refuses it). A request no retry can fix fails at once.
 */
export const firestoreLog: BuiltinFunction = async (request, ctx) => {
  const { collection, documentId, data } = readRequest(request, ctx);
  const owner = ctx.ownerUid ? { [ROW_OWNER_FIELD]: ctx.ownerUid } : {};
  const row = { ...data, timestamp: new Date().toISOString(), execution_id: ctx.executionId, ...owner };
  try {
    await ctx.sink.write(collection, documentId, row, ctx.ownerUid);
  } catch (err) {
    if (err instanceof RowOwnerConflict) return fail(ownerConflictMessage(err, collection, documentId), documentId);
    return fail(`writing ${collection}/${documentId} failed: ${(err as Error).message}`, documentId, true);
  }
  ctx.onWrite?.(collection, documentId);
  return JSON.stringify({ status: "success", document_id: documentId });
};

/** The request as written, every field checked: a request that breaks a rule fails, not retried, saying which. */
function readRequest(request: string, ctx: FunctionContext): LogRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(request);
  } catch (err) {
    return fail(`request is not JSON (${(err as Error).message}); expected {"collection": ..., "data": {...}}`, "");
  }
  if (!isObject(parsed)) return fail("request must be a JSON object", "");
  const { collection, document_id, data } = parsed;
  if (typeof collection !== "string") return fail('request.collection is required: a collection name without "/"', "");
  const badCollection = documentIdProblem(collection);
  if (badCollection) return fail(`request.collection ${shown(collection)} cannot be a collection id: ${badCollection}`, "");
  const refused = checkCollection(collection, ctx.allowedCollections);
  if (refused) return fail(refused, "");
  if (data !== undefined && !isObject(data)) return fail("request.data must be a JSON object", "");
  if (data && Object.hasOwn(data, ROW_OWNER_FIELD))
    return fail(`request.data.${ROW_OWNER_FIELD} is set by the pipeline from the job's owner; leave it out of data`, "");
  return { collection, documentId: documentIdOf(document_id, ctx), data: data ?? {} };
}

function documentIdOf(given: unknown, ctx: FunctionContext): string {
  if (given === undefined) {
    const derived = `${ctx.executionId}-${ctx.stepId}`;
    const problem = documentIdProblem(derived);
    return problem
      ? fail(`the document id this run derives, ${shown(derived)}, is unusable: ${problem}; set request.document_id`, "")
      : derived;
  }
  if (typeof given !== "string") return fail("request.document_id must be a string: a document id", "");
  const problem = documentIdProblem(given);
  if (problem)
    return fail(
      `request.document_id ${shown(given)} cannot be a document id: ${problem}; choose another, or leave document_id out for one derived from this run`,
      "",
    );
  return given;
}

const HELD_BY: Record<RowHolder, string> = {
  "another user": "another user's job wrote it",
  "no owner": "a job without an owner (the operator's) wrote it",
  "a user": "a user's job wrote it",
};

function ownerConflictMessage(conflict: RowOwnerConflict, collection: string, documentId: string): string {
  return (
    `${collection}/${documentId} was not overwritten: ${HELD_BY[conflict.heldBy]}, and a logged row is only ever overwritten ` +
    `by jobs of the same owner; choose another document_id, or leave it out for one derived from this run`
  );
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** An id as a message shows it: quoted, and cut when long (an id may come from a model answer). */
const shown = (id: string) => JSON.stringify(id.length > 120 ? `${id.slice(0, 120)}…` : id);

function fail(error: string, documentId: string, retryable = false): never {
  throw new FunctionCallError(`firestore_log: ${error}`, JSON.stringify({ status: "error", document_id: documentId, error }), retryable);
}
