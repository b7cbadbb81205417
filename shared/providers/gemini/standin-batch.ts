// The stand-in's Gemini Batch Mode: the Gemini API's batch and file routes as @google/genai calls them (`ai.batches`
// create, get, list, cancel; `ai.files` upload and download), over the stand-in's shared jobs
// (local/standin/standin-batches.ts). Each request of a job is read by the Gemini protocol's own parse (a request the
// API would refuse makes the create a 400 naming it) and answered at the job's end by its own answer, so faults,
// scripts and usage are a direct call's.
//
// Wire shapes: create answers a long-running Operation
// {name:"batches/ID", metadata:{@type, model, displayName, createTime, updateTime, batchStats, state, name}}; an ended
// job adds metadata.endTime and metadata.output, `done` and `response`: inline input gives output.inlinedResponses
// .inlinedResponses [{response|error, metadata:{key}}], file input output.responsesFile "files/ID" of JSONL lines
// {key, response|error}. A per-request error is a google.rpc.Status {code (gRPC), message, details}. Results come in
// reverse input order, so that matching by position fails. Requests not run (dropped by batchPartial, or of a job that
// expired or was cancelled) are left out, as Gemini leaves them out; an expired or cancelled job has no output at all.
// Local code: the offline stand-in loads it through ./standin.ts; the deployed bundle never does.
import { googleError, isObject, type StandinAnswer, type StandinProtocol } from "../../../local/standin/standin-protocol";
import type {
  StandinBatchEnv,
  StandinBatchItem,
  StandinBatchJob,
  StandinBatchRequest,
  StandinBatchRoutes,
  StandinHttpRequest,
} from "../../../local/standin/standin-batches";

// Not v1: that prefix is OpenAI's (/v1/batches), which the stand-in serves on the same port.
const VERSION = "(?:v1beta|v1alpha)";
const CREATE = new RegExp(`^/${VERSION}/models/([A-Za-z0-9][A-Za-z0-9._-]*):batchGenerateContent$`);
const JOB = new RegExp(`^/${VERSION}/batches/([A-Za-z0-9_-]+)$`);
const CANCEL = new RegExp(`^/${VERSION}/batches/([A-Za-z0-9_-]+):cancel$`);
const LIST = new RegExp(`^/${VERSION}/batches$`);
const UPLOAD_START = new RegExp(`^/upload/${VERSION}/files$`);
const UPLOAD_CHUNK = new RegExp(`^/upload/${VERSION}/files/uploads/([A-Za-z0-9_-]+)$`);
const DOWNLOAD = new RegExp(`^(?:/download)?/${VERSION}/files/([A-Za-z0-9_-]+):download$`);

const BATCH_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch";
const OUTPUT_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput";
const ENDED_STATE = { completed: "BATCH_STATE_SUCCEEDED", expired: "BATCH_STATE_EXPIRED", cancelled: "BATCH_STATE_CANCELLED" } as const;
/** Google's status names as gRPC codes: a google.rpc.Status (a batch's per-request error) carries the code. */
const GRPC_CODES: Record<string, number> = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
};
const NOT_FOUND = "Requested entity was not found.";

interface PendingUpload {
  displayName: string;
  mimeType: string;
  chunks: Buffer[];
}
/** Resumable uploads begun and not yet finalized, per stand-in. */
const uploadsOf = new WeakMap<object, Map<string, PendingUpload>>();
/** The responses file of each ended file-input job, written once. */
const responsesFileOf = new WeakMap<StandinBatchJob, string>();

/** The Gemini protocol's batch routes (`protocol` reads each request and answers it). */
export function createGeminiBatchRoutes(protocol: StandinProtocol): StandinBatchRoutes {
  const routes: [string, RegExp, (request: StandinHttpRequest, env: StandinBatchEnv, id: string) => StandinAnswer][] = [
    ["POST", CREATE, (request, env, model) => createJob(protocol, request, env, model)],
    ["GET", JOB, (_request, env, id) => withJob(env, id, (job) => json(renderOperation(job, env, true)))],
    ["POST", CANCEL, (_request, env, id) => (env.batches.cancel(`batches/${id}`) ? json({}) : googleError(404, NOT_FOUND))],
    ["GET", LIST, (request, env) => listJobs(request, env)],
    ["POST", UPLOAD_START, (request, env) => startUpload(request, env)],
    ["POST", UPLOAD_CHUNK, (request, env, id) => uploadChunk(request, env, id)],
    ["GET", DOWNLOAD, (_request, env, id) => download(env, id)],
  ];
  const find = (method: string, path: string) =>
    routes
      .map(([verb, pattern, handle]) => ({ verb, match: pattern.exec(path), handle }))
      .find(({ verb, match }) => verb === method && match);
  return {
    match: (method, path) => find(method, path) !== undefined,
    handle(request, env) {
      const route = find(request.method, request.path);
      return route ? route.handle(request, env, route.match?.[1] ?? "") : googleError(404, NOT_FOUND);
    },
  };
}

function json(body: unknown, headers?: Record<string, string>): StandinAnswer {
  return { status: 200, body, ...(headers ? { headers } : {}) };
}

function withJob(env: StandinBatchEnv, id: string, then: (job: StandinBatchJob) => StandinAnswer): StandinAnswer {
  const job = env.batches.get(`batches/${id}`);
  return job && job.protocol === "gemini" ? then(job) : googleError(404, NOT_FOUND);
}

/** POST models/{model}:batchGenerateContent: {batch:{displayName, inputConfig:{requests:{requests}} | {fileName}}}, either spelling. */
function createJob(protocol: StandinProtocol, request: StandinHttpRequest, env: StandinBatchEnv, model: string): StandinAnswer {
  const body = parseJson(request.body);
  if (typeof body === "string") return protocol.error(400, `Invalid JSON payload received. ${body}`);
  const batch = field(body, "batch");
  if (!isObject(batch)) return protocol.error(400, "batch: the GenerateContentBatch to create is missing");
  const input = field(batch, "inputConfig", "input_config");
  const displayName = field(batch, "displayName", "display_name");
  const fileName = isObject(input) ? field(input, "fileName", "file_name") : undefined;
  const requests = typeof fileName === "string" ? fileRequests(protocol, env, fileName, model) : inlineRequests(protocol, input, model);
  if (typeof requests === "string")
    return protocol.error(requests.startsWith("NOT_FOUND ") ? 404 : 400, requests.replace(/^NOT_FOUND /, ""));
  if (requests.length === 0) return protocol.error(400, "batch.inputConfig: the batch holds no requests");
  const job = env.batches.create({
    id: env.batches.nextId("batches/"),
    protocol: "gemini",
    model,
    displayName: typeof displayName === "string" ? displayName : "",
    metadata: typeof fileName === "string" ? { inputFile: fileName } : {},
    requests,
  });
  return json(renderOperation(job, env, true));
}

/** inputConfig.requests.requests: [{request, metadata:{key}}], each request read as generateContent reads it. */
function inlineRequests(protocol: StandinProtocol, input: unknown, model: string): StandinBatchRequest[] | string {
  const wrapper = isObject(input) ? field(input, "requests") : undefined;
  const list = isObject(wrapper) ? field(wrapper, "requests") : undefined;
  if (!Array.isArray(list)) return "batch.inputConfig: one of requests.requests or fileName must be set";
  const requests: StandinBatchRequest[] = [];
  for (const [i, entry] of list.entries()) {
    const where = `batch.inputConfig.requests.requests[${i}]`;
    const read = readRequest(protocol, isObject(entry) ? field(entry, "request") : undefined, model, where);
    if (typeof read === "string") return read;
    const metadata = isObject(entry) ? field(entry, "metadata") : undefined;
    requests.push({ key: isObject(metadata) && typeof metadata.key === "string" ? metadata.key : "", prompt: read });
  }
  return requests;
}

/** An uploaded JSONL file of {"key", "request"} lines; a line the API would refuse names its line number. */
function fileRequests(protocol: StandinProtocol, env: StandinBatchEnv, fileName: string, model: string): StandinBatchRequest[] | string {
  const file = env.batches.getFile(fileName);
  if (!file) return `NOT_FOUND batch.inputConfig.fileName: ${fileName} was not found`;
  const requests: StandinBatchRequest[] = [];
  for (const [i, line] of file.bytes.toString("utf8").split("\n").entries()) {
    if (!line.trim()) continue;
    const where = `${fileName} line ${i + 1}`;
    const parsed = parseJson(Buffer.from(line));
    if (typeof parsed === "string") return `${where}: ${parsed}`;
    const read = readRequest(protocol, field(parsed, "request"), model, where);
    if (typeof read === "string") return read;
    requests.push({ key: typeof parsed.key === "string" ? parsed.key : "", prompt: read });
  }
  return requests;
}

function readRequest(protocol: StandinProtocol, request: unknown, model: string, where: string) {
  if (!isObject(request)) return `${where}.request: a GenerateContentRequest object is required`;
  const read = protocol.parse(request, model);
  return typeof read === "string" ? `${where}.request: ${read}` : read;
}

/** The job as Gemini's long-running Operation; its output only when asked (a list leaves it out, as Gemini's does). */
function renderOperation(job: StandinBatchJob, env: StandinBatchEnv, withOutput: boolean): Record<string, unknown> {
  const phase = env.batches.phase(job);
  const { ended } = job;
  const state = !ended ? (phase === "pending" ? "BATCH_STATE_PENDING" : "BATCH_STATE_RUNNING") : ENDED_STATE[ended.how];
  const count = String(job.requests.length);
  const answered = ended?.items.filter((item) => item.kind === "answered") ?? [];
  const succeeded = answered.filter((item) => item.reply.status < 300).length;
  const batchStats = ended
    ? {
        requestCount: count,
        successfulRequestCount: String(succeeded),
        failedRequestCount: String(answered.length - succeeded),
        pendingRequestCount: "0",
      }
    : { requestCount: count, pendingRequestCount: count };
  const output = withOutput && ended?.how === "completed" ? renderOutput(job, env) : undefined;
  const time = (ms: number) => new Date(ms).toISOString();
  const metadata = {
    "@type": BATCH_TYPE,
    model: `models/${job.model}`,
    displayName: job.displayName,
    ...(job.metadata.inputFile ? { inputConfig: { fileName: job.metadata.inputFile } } : {}),
    createTime: time(job.createdAt),
    updateTime: time(ended?.at ?? job.createdAt),
    ...(ended ? { endTime: time(ended.at) } : {}),
    batchStats,
    state,
    name: job.id,
    ...(output ? { output } : {}),
  };
  return { name: job.id, metadata, ...(ended ? { done: true } : {}), ...(output ? { response: { "@type": OUTPUT_TYPE, ...output } } : {}) };
}

/** An ended job's results in reverse input order, the requests not run left out: inline, or a responses file. */
function renderOutput(job: StandinBatchJob, env: StandinBatchEnv): Record<string, unknown> {
  const results = (job.ended?.items ?? []).filter((item) => item.kind === "answered").reverse();
  if (!job.metadata.inputFile) return { inlinedResponses: { inlinedResponses: results.map(inlinedResponse) } };
  let file = responsesFileOf.get(job);
  if (!file) {
    const lines = results.map((item) => `${JSON.stringify({ ...(item.key ? { key: item.key } : {}), ...resultOf(item) })}\n`);
    const stored = env.batches.putFile(
      {
        displayName: `batch-${job.id.replace("batches/", "")}`,
        mimeType: "application/jsonl",
        purpose: "batch",
        bytes: Buffer.from(lines.join("")),
      },
      "files/",
    );
    file = stored.id;
    responsesFileOf.set(job, file);
  }
  return { responsesFile: file };
}

function inlinedResponse(item: Extract<StandinBatchItem, { kind: "answered" }>): Record<string, unknown> {
  return { ...resultOf(item), ...(item.key ? { metadata: { key: item.key } } : {}) };
}

/** The reply of a direct call as a batch result: its body as `response`, or its error as a google.rpc.Status. */
function resultOf(item: Extract<StandinBatchItem, { kind: "answered" }>): Record<string, unknown> {
  const { reply } = item;
  if (reply.status < 300) return { response: reply.body };
  const error = isObject(reply.body) && isObject(reply.body.error) ? reply.body.error : {};
  const code = typeof error.status === "string" ? (GRPC_CODES[error.status] ?? 2) : 2;
  return { error: { code, message: error.message ?? "", ...(error.details ? { details: error.details } : {}) } };
}

/** GET batches?pageSize&pageToken: {operations, nextPageToken}, newest first; the token is the next offset. */
function listJobs(request: StandinHttpRequest, env: StandinBatchEnv): StandinAnswer {
  const size = Math.min(Math.max(Number(request.query.get("pageSize")) || 50, 1), 1000);
  const from = Number(request.query.get("pageToken") ?? "0");
  if (!Number.isInteger(from) || from < 0)
    return googleError(400, `pageToken: "${request.query.get("pageToken")}" is not a token this API gave`);
  const jobs = env.batches.list("gemini").sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
  const page = jobs.slice(from, from + size).map((job) => renderOperation(job, env, false));
  return json({ operations: page, ...(from + size < jobs.length ? { nextPageToken: String(from + size) } : {}) });
}

/** The resumable upload's start: the file's metadata; answers the URL its bytes go to. */
function startUpload(request: StandinHttpRequest, env: StandinBatchEnv): StandinAnswer {
  if (request.headers["x-goog-upload-protocol"] !== "resumable" || request.headers["x-goog-upload-command"] !== "start")
    return googleError(
      400,
      "upload: only the resumable protocol's start (X-Goog-Upload-Protocol: resumable, X-Goog-Upload-Command: start) is served",
    );
  const body = parseJson(request.body);
  const file = typeof body === "string" ? undefined : field(body, "file");
  const meta = isObject(file) ? file : {};
  const id = env.batches.nextId("upload");
  const uploads = uploadsOf.get(env.batches) ?? new Map<string, PendingUpload>();
  uploadsOf.set(env.batches, uploads);
  uploads.set(id, {
    displayName: typeof meta.displayName === "string" ? meta.displayName : "",
    mimeType: typeof meta.mimeType === "string" ? meta.mimeType : String(request.headers["x-goog-upload-header-content-type"] ?? ""),
    chunks: [],
  });
  return json({}, { "x-goog-upload-url": `${env.baseUrl}/upload/v1beta/files/uploads/${id}`, "x-goog-upload-status": "active" });
}

/** A chunk of an upload (`upload`, or `upload, finalize` for the last): the file, once finalized. */
function uploadChunk(request: StandinHttpRequest, env: StandinBatchEnv, id: string): StandinAnswer {
  const upload = uploadsOf.get(env.batches)?.get(id);
  if (!upload) return googleError(404, `upload ${id} was not started, or is already finalized`);
  const command = String(request.headers["x-goog-upload-command"] ?? "");
  const offset = Number(request.headers["x-goog-upload-offset"]);
  const received = upload.chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  if (offset !== received) return googleError(400, `X-Goog-Upload-Offset ${offset} is not the ${received} bytes received so far`);
  upload.chunks.push(request.body);
  if (!command.includes("finalize")) return json({}, { "x-goog-upload-status": "active" });
  uploadsOf.get(env.batches)?.delete(id);
  const bytes = Buffer.concat(upload.chunks);
  const stored = env.batches.putFile({ displayName: upload.displayName, mimeType: upload.mimeType, purpose: "batch", bytes }, "files/");
  const file = {
    name: stored.id,
    displayName: stored.displayName,
    mimeType: stored.mimeType,
    sizeBytes: String(bytes.length),
    createTime: new Date(stored.createdAt).toISOString(),
    state: "ACTIVE",
    uri: `${env.baseUrl}/v1beta/${stored.id}`,
  };
  return json({ file }, { "x-goog-upload-status": "final" });
}

function download(env: StandinBatchEnv, id: string): StandinAnswer {
  const file = env.batches.getFile(`files/${id}`);
  if (!file) return googleError(404, NOT_FOUND);
  return {
    status: 200,
    body: undefined,
    raw: file.bytes.toString("utf8"),
    headers: { "content-type": file.mimeType || "application/octet-stream" },
  };
}

function parseJson(body: Buffer): Record<string, unknown> | string {
  try {
    const parsed: unknown = JSON.parse(body.toString("utf8"));
    return isObject(parsed) ? parsed : "expected a JSON object";
  } catch (err) {
    return (err as Error).message;
  }
}

/** A field by its JSON name or its proto (snake_case) name: Google's APIs take both. */
function field(object: Record<string, unknown>, name: string, protoName?: string): unknown {
  return object[name] ?? (protoName ? object[protoName] : undefined);
}
