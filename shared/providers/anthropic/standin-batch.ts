// The stand-in's Message Batches API, as @anthropic-ai/sdk calls it (client.messages.batches):
//   POST /v1/messages/batches {requests:[{custom_id, params}]}   create; each params read by the Messages protocol's parse
//   GET  /v1/messages/batches?limit&after_id&before_id          list, newest first, {data, has_more, first_id, last_id}
//   GET  /v1/messages/batches/{id}                              retrieve
//   POST /v1/messages/batches/{id}/cancel                       cancel (the stand-in's jobs end at once when cancelled)
//   GET  /v1/messages/batches/{id}/results                      JSONL, at the absolute results_url the batch names
// Jobs live in the shared store (local/standin/standin-batches.ts). Results come in reverse request order, so that a
// client matching by position fails. A request the shared store drops (the batchPartial knob) is `expired`: Claude
// accounts for every request of a batch, and a request left undone is what expires.
// Local code: the offline stand-in loads it through standin.ts; the deployed bundle never does.
import type {
  StandinBatchEnv,
  StandinBatchItem,
  StandinBatchJob,
  StandinBatchRequest,
  StandinBatchRoutes,
  StandinHttpRequest,
} from "../../../local/standin/standin-batches";
import { isObject, type StandinAnswer, type StandinProtocol } from "../../../local/standin/standin-protocol";

const ROOT = "/v1/messages/batches";
const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX_REQUESTS = 100_000;
const DAY_MS = 24 * 60 * 60_000;

type Protocol = Pick<StandinProtocol, "parse" | "error">;

/** The Message Batches routes over the shared jobs, answering in `protocol`'s words (its parse and its error shape). */
export function anthropicBatchRoutes(protocol: Protocol): StandinBatchRoutes {
  return {
    match: (_method, path) => path === ROOT || path.startsWith(`${ROOT}/`),
    handle: (request, env) => route(protocol, request, env),
  };
}

function route(protocol: Protocol, request: StandinHttpRequest, env: StandinBatchEnv): StandinAnswer {
  const { method, path } = request;
  if (path === ROOT && method === "POST") return create(protocol, request.body, env);
  if (path === ROOT && method === "GET") return list(protocol, request.query, env);
  const [, id, action] = /^\/v1\/messages\/batches\/([^/]+)(?:\/([^/]+))?$/.exec(path) ?? [];
  const job = id === undefined ? undefined : env.batches.get(decodeURIComponent(id));
  if (!job || job.protocol !== "anthropic") return protocol.error(404, `${method} ${path}: no such Message Batch`);
  if (action === undefined && method === "GET") return ok(renderBatch(job, env));
  if (action === "cancel" && method === "POST") {
    if (env.batches.phase(job) !== "ended") env.batches.cancel(job.id);
    return ok(renderBatch(job, env));
  }
  if (action === "results" && method === "GET") return results(protocol, job, env);
  return protocol.error(404, `${method} ${path}: not a Message Batches route`);
}

const ok = (body: unknown): StandinAnswer => ({ status: 200, body });

/** A batch from the create body: every line checked as Claude does, each params parsed as a direct call's body. */
function create(protocol: Protocol, body: Buffer, env: StandinBatchEnv): StandinAnswer {
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch (err) {
    return protocol.error(400, `the body is not JSON: ${(err as Error).message}`);
  }
  if (!isObject(json) || !Array.isArray(json.requests) || json.requests.length === 0)
    return protocol.error(400, "requests: Field required (a list of at least one {custom_id, params})");
  if (json.requests.length > MAX_REQUESTS) return protocol.error(400, `requests: at most ${MAX_REQUESTS} requests in one batch`);
  const requests: StandinBatchRequest[] = [];
  const seen = new Set<string>();
  for (const [i, line] of (json.requests as unknown[]).entries()) {
    const customId = isObject(line) ? line.custom_id : undefined;
    if (typeof customId !== "string" || !CUSTOM_ID.test(customId))
      return protocol.error(400, `requests.${i}.custom_id: must match ^[a-zA-Z0-9_-]{1,64}$, got ${JSON.stringify(customId)}`);
    if (seen.has(customId)) return protocol.error(400, `requests.${i}.custom_id: ${customId} is used by another request of the batch`);
    seen.add(customId);
    const params = isObject(line) && isObject(line.params) ? line.params : undefined;
    const prompt = params ? protocol.parse(params, undefined) : "Field required";
    if (typeof prompt === "string") return protocol.error(400, `requests.${i}.params${params ? "." : ": "}${prompt}`);
    requests.push({ key: customId, prompt });
  }
  const job = env.batches.create({
    id: env.batches.nextId("msgbatch_"),
    protocol: "anthropic",
    model: requests[0]!.prompt.model,
    displayName: "",
    metadata: {},
    requests,
  });
  return ok(renderBatch(job, env));
}

/** Claude's list: newest first, `limit` (1 to 1000, default 20) after `after_id` or before `before_id`. */
function list(protocol: Protocol, query: URLSearchParams, env: StandinBatchEnv): StandinAnswer {
  const limit = Number(query.get("limit") ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    return protocol.error(400, `limit: must be 1 to 1000, got ${query.get("limit")}`);
  const all = env.batches.list("anthropic").reverse();
  const afterId = query.get("after_id");
  const beforeId = query.get("before_id");
  const anchor = all.findIndex((job) => job.id === (afterId ?? beforeId));
  if ((afterId || beforeId) && anchor < 0) return protocol.error(400, `${afterId ? "after_id" : "before_id"}: no such Message Batch`);
  const page = beforeId ? all.slice(Math.max(0, anchor - limit), anchor) : all.slice(anchor + 1, anchor + 1 + limit);
  const hasMore = beforeId ? anchor - limit > 0 : anchor + 1 + limit < all.length;
  return ok({
    data: page.map((job) => renderBatch(job, env)),
    has_more: hasMore,
    first_id: page[0]?.id ?? null,
    last_id: page.at(-1)?.id ?? null,
  });
}

/** A MessageBatch: in_progress (or canceling) until the store ends the job, then ended with its counts and results_url. */
function renderBatch(job: StandinBatchJob, env: StandinBatchEnv): Record<string, unknown> {
  const ended = env.batches.phase(job) === "ended" ? job.ended : undefined;
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  const counts = { processing: ended ? 0 : job.requests.length, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
  for (const item of ended?.items ?? []) counts[resultOf(item).type as "succeeded" | "errored" | "canceled" | "expired"]++;
  return {
    id: job.id,
    type: "message_batch",
    processing_status: ended ? "ended" : job.cancelledAt !== undefined ? "canceling" : "in_progress",
    request_counts: counts,
    created_at: iso(job.createdAt),
    expires_at: iso(job.createdAt + DAY_MS),
    ended_at: iso(ended?.at),
    cancel_initiated_at: iso(job.cancelledAt),
    archived_at: null,
    results_url: ended ? `${env.baseUrl}${ROOT}/${encodeURIComponent(job.id)}/results` : null,
  };
}

/** One request's result: its direct call's reply (a message, or its error body when the status is not 2xx), or why it did not run. */
function resultOf(item: StandinBatchItem): { type: string; [field: string]: unknown } {
  if (item.kind === "not_run") return { type: item.why === "cancelled" ? "canceled" : "expired" };
  const { status, body } = item.reply;
  if (status >= 200 && status < 300) return { type: "succeeded", message: body };
  return { type: "errored", error: { ...(isObject(body) ? body : {}), request_id: `req_standin_${item.key}` } };
}

/** An ended batch's results as JSONL, in reverse request order. */
function results(protocol: Protocol, job: StandinBatchJob, env: StandinBatchEnv): StandinAnswer {
  if (env.batches.phase(job) !== "ended" || !job.ended)
    return protocol.error(400, `Message Batch ${job.id} has not ended; its results are available once processing_status is ended`);
  const lines = [...job.ended.items].reverse().map((item) => JSON.stringify({ custom_id: item.key, result: resultOf(item) }));
  return { status: 200, body: undefined, raw: `${lines.join("\n")}\n`, headers: { "content-type": "application/binary" } };
}
