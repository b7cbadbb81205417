// The stand-in's OpenAI Batch API, as the `openai` SDK calls it (with or without the /v1 its base URL holds):
//   POST /v1/files (multipart: file, purpose)        GET /v1/files/{id}, GET /v1/files/{id}/content
//   POST /v1/batches {input_file_id, endpoint, completion_window, metadata}
//   GET  /v1/batches?limit&after (newest first)      GET /v1/batches/{id}      POST /v1/batches/{id}/cancel
// Jobs live in the stand-in's shared store (env.batches). Each input line is checked as OpenAI validates a batch (JSON,
// custom_id unique, POST to the batch's endpoint, one model) and its body read by the Chat Completions protocol's own
// parse: a job with a refused line ends `failed` with errors naming the lines, as OpenAI's validation does. An ended
// job's answers go to an output file (2xx) and an error file (other statuses; never-run requests as batch_expired or
// batch_cancelled; dropped ones, the partial-results knob, nowhere), each in reverse input order, so that results
// matched by position would be wrong.
// Local code: loaded by the stand-in through standin.ts; the deployed bundle never holds it.
import type {
  StandinBatchEnv,
  StandinBatchItem,
  StandinBatchJob,
  StandinBatchRequest,
  StandinBatchRoutes,
  StandinBatches,
  StandinFile,
  StandinHttpRequest,
} from "../../../local/standin/standin-batches";
import { isObject, type StandinAnswer, type StandinProtocol } from "../../../local/standin/standin-protocol";

const ENDPOINT = "/v1/chat/completions";
const DAY_MS = 24 * 60 * 60 * 1000;

/** What OpenAI's batch has and the shared job does not: per stand-in (its batch store), by job id. */
interface OpenAiBatchState {
  inputFiles: Map<string, string>;
  resultFiles: Map<string, { output: string | null; error: string | null }>;
  /** Jobs that failed validation: never run, so never in the shared store. */
  failed: Map<string, Record<string, unknown>>;
}
const states = new WeakMap<StandinBatches, OpenAiBatchState>();
const stateOf = (batches: StandinBatches): OpenAiBatchState => {
  let state = states.get(batches);
  if (!state) states.set(batches, (state = { inputFiles: new Map(), resultFiles: new Map(), failed: new Map() }));
  return state;
};

type Handler = (request: StandinHttpRequest, env: StandinBatchEnv, id: string) => StandinAnswer | Promise<StandinAnswer>;

export function openAiBatchRoutes(protocol: StandinProtocol): StandinBatchRoutes {
  const routes: [method: string, path: RegExp, handler: Handler][] = [
    ["POST", /^(?:\/v1)?\/files$/, createFile],
    ["GET", /^(?:\/v1)?\/files\/([^/]+)$/, retrieveFile],
    ["GET", /^(?:\/v1)?\/files\/([^/]+)\/content$/, fileContent],
    ["POST", /^(?:\/v1)?\/batches$/, (request, env) => createBatch(protocol, request, env)],
    ["GET", /^(?:\/v1)?\/batches$/, listBatches],
    ["GET", /^(?:\/v1)?\/batches\/([^/]+)$/, retrieveBatch],
    ["POST", /^(?:\/v1)?\/batches\/([^/]+)\/cancel$/, cancelBatch],
  ];
  const find = (method: string, path: string) =>
    routes.flatMap(([m, pattern, handler]) => {
      const found = m === method ? pattern.exec(path) : null;
      return found ? [{ handler, id: decodeURIComponent(found[1] ?? "") }] : [];
    })[0];
  return {
    match: (method, path) => find(method, path) !== undefined,
    handle: (request, env) => {
      const route = find(request.method, request.path);
      return route ? route.handler(request, env, route.id) : apiError(404, `Invalid URL (${request.method} ${request.path})`);
    },
  };
}

function apiError(status: number, message: string, code: string | null = null, param: string | null = null): StandinAnswer {
  return { status, body: { error: { message, type: status < 500 ? "invalid_request_error" : "server_error", param, code } } };
}

const ok = (body: unknown): StandinAnswer => ({ status: 200, body });
const seconds = (ms: number | undefined) => (ms === undefined ? null : Math.floor(ms / 1000));

async function createFile(request: StandinHttpRequest, env: StandinBatchEnv): Promise<StandinAnswer> {
  const type = request.headers["content-type"] ?? "";
  let form: FormData;
  try {
    form = await new Response(request.body, { headers: { "content-type": type } }).formData();
  } catch (err) {
    return apiError(400, `The upload is not multipart/form-data (${(err as Error).message}).`);
  }
  const file = form.get("file");
  const purpose = form.get("purpose");
  if (!(file instanceof Blob)) return apiError(400, "Missing required parameter: 'file'.", null, "file");
  if (typeof purpose !== "string") return apiError(400, "Missing required parameter: 'purpose'.", null, "purpose");
  const bytes = Buffer.from(await file.arrayBuffer());
  const displayName = file instanceof File ? file.name : "upload";
  return ok(fileObject(env.batches.putFile({ displayName, mimeType: file.type, purpose, bytes }, "file-")));
}

function fileObject(file: StandinFile): Record<string, unknown> {
  return {
    id: file.id,
    object: "file",
    bytes: file.bytes.length,
    created_at: seconds(file.createdAt),
    filename: file.displayName,
    purpose: file.purpose,
    status: "processed",
    expires_at: null,
    status_details: null,
  };
}

function retrieveFile(_request: StandinHttpRequest, env: StandinBatchEnv, id: string): StandinAnswer {
  const file = env.batches.getFile(id);
  return file ? ok(fileObject(file)) : apiError(404, `No such File object: ${id}`, null, "id");
}

function fileContent(_request: StandinHttpRequest, env: StandinBatchEnv, id: string): StandinAnswer {
  const file = env.batches.getFile(id);
  if (!file) return apiError(404, `No such File object: ${id}`, null, "id");
  return { status: 200, body: undefined, raw: file.bytes.toString("utf8"), headers: { "content-type": "application/octet-stream" } };
}

/** The body of POST /v1/batches checked as OpenAI does before it creates a job; the job, or a failed one, or a 400. */
function createBatch(protocol: StandinProtocol, request: StandinHttpRequest, env: StandinBatchEnv): StandinAnswer {
  let body: unknown;
  try {
    body = JSON.parse(request.body.toString("utf8"));
  } catch (err) {
    return apiError(400, `We could not parse the JSON body of your request. (${(err as Error).message})`);
  }
  if (!isObject(body)) return apiError(400, "The body of your request must be a JSON object.");
  const { input_file_id: inputFileId, endpoint, completion_window: window, metadata = {} } = body;
  if (typeof inputFileId !== "string") return apiError(400, "Missing required parameter: 'input_file_id'.", null, "input_file_id");
  if (endpoint !== ENDPOINT)
    return apiError(400, `Invalid value for 'endpoint': the stand-in's batches run ${ENDPOINT} only.`, null, "endpoint");
  if (window !== "24h") return apiError(400, "Invalid value for 'completion_window': only '24h' is supported.", null, "completion_window");
  const badMetadata = metadataProblem(metadata);
  if (badMetadata) return apiError(400, `Invalid 'metadata': ${badMetadata}.`, null, "metadata");
  const file = env.batches.getFile(inputFileId);
  if (!file) return apiError(404, `No such File object: ${inputFileId}`, null, "input_file_id");
  if (file.purpose !== "batch")
    return apiError(400, `The file ${inputFileId} has purpose '${file.purpose}'; a batch needs purpose 'batch'.`);
  const read = readInputLines(protocol, file.bytes);
  const tags = metadata as Record<string, string>;
  const state = stateOf(env.batches);
  if (read.errors.length) {
    const failed = failedBatch(env.batches.nextId("batch_"), inputFileId, tags, read.errors);
    state.failed.set(failed.id as string, failed);
    return ok(failed);
  }
  const job = env.batches.create({
    id: env.batches.nextId("batch_"),
    protocol: "openai",
    model: read.model,
    displayName: "",
    metadata: tags,
    requests: read.requests,
  });
  state.inputFiles.set(job.id, inputFileId);
  return ok(renderJob(job, env));
}

function metadataProblem(metadata: unknown): string | undefined {
  if (metadata === null) return undefined;
  if (!isObject(metadata)) return "expected an object of strings";
  const entries = Object.entries(metadata);
  if (entries.length > 16) return "at most 16 keys";
  const bad = entries.find(([key, value]) => key.length > 64 || typeof value !== "string" || value.length > 512);
  return bad ? `the key '${bad[0]}' must be at most 64 characters and its value a string of at most 512` : undefined;
}

interface LineError {
  code: string;
  message: string;
  param: string | null;
  line: number | null;
}

/** Each line of an input file as OpenAI's validation reads it: the requests, or why lines are refused. */
function readInputLines(protocol: StandinProtocol, bytes: Buffer): { requests: StandinBatchRequest[]; model: string; errors: LineError[] } {
  const requests: StandinBatchRequest[] = [];
  const errors: LineError[] = [];
  const keys = new Set<string>();
  let model: string | undefined;
  const lines = bytes.toString("utf8").split("\n");
  if (lines.at(-1) === "") lines.pop();
  lines.forEach((text, index) => {
    const refuse = (code: string, message: string, param: string | null = null) =>
      void errors.push({ code, message, param, line: index + 1 });
    let line: unknown;
    try {
      line = JSON.parse(text);
    } catch {
      return refuse("invalid_json_line", "This line is not parseable as valid JSON.");
    }
    if (!isObject(line) || typeof line.custom_id !== "string" || !line.custom_id)
      return refuse("missing_required_parameter", "Missing required parameter: 'custom_id'.", "custom_id");
    if (keys.has(line.custom_id))
      return refuse(
        "duplicate_custom_id",
        "The custom_id for this request is a duplicate of another request. The custom_id parameter must be unique for each request in a batch.",
        "custom_id",
      );
    keys.add(line.custom_id);
    if (line.method !== "POST") return refuse("invalid_method", "The method of this request must be POST.", "method");
    if (line.url !== ENDPOINT)
      return refuse("invalid_url", `The URL of this request does not match the batch's endpoint ${ENDPOINT}.`, "url");
    if (!isObject(line.body)) return refuse("missing_required_parameter", "Missing required parameter: 'body'.", "body");
    const prompt = protocol.parse(line.body, undefined);
    if (typeof prompt === "string") return refuse("invalid_request", prompt, "body");
    if ((model ??= prompt.model) !== prompt.model)
      return refuse(
        "mismatched_model",
        `The model '${prompt.model}' differs from the batch's model '${model}'; a batch holds one model.`,
        "body.model",
      );
    requests.push({ key: line.custom_id, prompt });
  });
  if (lines.length === 0) errors.push({ code: "empty_file", message: "The batch input file is empty.", param: null, line: null });
  return { requests, model: model ?? "", errors };
}

function failedBatch(id: string, inputFileId: string, metadata: Record<string, string>, errors: LineError[]): Record<string, unknown> {
  const now = seconds(Date.now());
  return {
    ...batchFields(id, inputFileId, metadata),
    status: "failed",
    errors: { object: "list", data: errors },
    created_at: now,
    expires_at: now === null ? null : now + DAY_MS / 1000,
    failed_at: now,
    request_counts: { total: 0, completed: 0, failed: 0 },
  };
}

function batchFields(id: string, inputFileId: string, metadata: Record<string, string>): Record<string, unknown> {
  return {
    id,
    object: "batch",
    endpoint: ENDPOINT,
    errors: null,
    input_file_id: inputFileId,
    completion_window: "24h",
    output_file_id: null,
    error_file_id: null,
    in_progress_at: null,
    finalizing_at: null,
    completed_at: null,
    failed_at: null,
    expired_at: null,
    cancelling_at: null,
    cancelled_at: null,
    metadata,
  };
}

const ENDED_STATUS = { completed: "completed", expired: "expired", cancelled: "cancelled" } as const;

/** A job of the shared store as OpenAI's Batch object; an ended job's result files are written on its first read. */
function renderJob(job: StandinBatchJob, env: StandinBatchEnv): Record<string, unknown> {
  const phase = env.batches.phase(job);
  const ended = job.ended;
  const files = ended ? resultFiles(job, ended.items, env.batches) : undefined;
  const at = (how: "completed" | "expired" | "cancelled") => (ended?.how === how ? seconds(ended.at) : null);
  return {
    ...batchFields(job.id, stateOf(env.batches).inputFiles.get(job.id) ?? "", job.metadata),
    status: ended ? ENDED_STATUS[ended.how] : phase === "pending" ? "validating" : "in_progress",
    output_file_id: files?.output ?? null,
    error_file_id: files?.error ?? null,
    created_at: seconds(job.createdAt),
    in_progress_at: phase === "pending" || ended?.how === "cancelled" ? null : seconds(job.createdAt),
    expires_at: seconds(job.createdAt + DAY_MS),
    finalizing_at: ended?.how === "completed" ? seconds(ended.at) : null,
    completed_at: at("completed"),
    expired_at: at("expired"),
    cancelling_at: seconds(job.cancelledAt),
    cancelled_at: at("cancelled"),
    request_counts: requestCounts(job),
  };
}

function requestCounts(job: StandinBatchJob): { total: number; completed: number; failed: number } {
  const items = job.ended?.items ?? [];
  const completed = items.filter((item) => item.kind === "answered" && item.reply.status < 300).length;
  const failed = items.filter((item) => (item.kind === "answered" ? item.reply.status >= 300 : item.why !== "dropped")).length;
  return { total: job.requests.length, completed, failed };
}

const NOT_RUN_ERRORS = {
  expired: { code: "batch_expired", message: "This request could not be executed before the completion window expired." },
  cancelled: { code: "batch_cancelled", message: "This request was not executed because the batch was cancelled." },
};

/** The output and error files of an ended job (written once), lines in reverse input order; dropped requests in neither. */
function resultFiles(
  job: StandinBatchJob,
  items: StandinBatchItem[],
  batches: StandinBatches,
): { output: string | null; error: string | null } {
  const state = stateOf(batches);
  const written = state.resultFiles.get(job.id);
  if (written) return written;
  const output: string[] = [];
  const error: string[] = [];
  [...items].reverse().forEach((item, index) => {
    const id = `batch_req_${job.id}_${index}`;
    if (item.kind === "answered") {
      const line = {
        id,
        custom_id: item.key,
        response: { status_code: item.reply.status, request_id: `req_standin_${index}`, body: item.reply.body },
        error: null,
      };
      (item.reply.status < 300 ? output : error).push(JSON.stringify(line));
    } else if (item.why !== "dropped")
      error.push(JSON.stringify({ id, custom_id: item.key, response: null, error: NOT_RUN_ERRORS[item.why] }));
  });
  const put = (lines: string[], kind: string) =>
    lines.length
      ? batches.putFile(
          {
            displayName: `${job.id}_${kind}.jsonl`,
            mimeType: "application/jsonl",
            purpose: "batch_output",
            bytes: Buffer.from(`${lines.join("\n")}\n`),
          },
          "file-",
        ).id
      : null;
  const files = { output: put(output, "output"), error: put(error, "error") };
  state.resultFiles.set(job.id, files);
  return files;
}

function retrieveBatch(_request: StandinHttpRequest, env: StandinBatchEnv, id: string): StandinAnswer {
  const failed = stateOf(env.batches).failed.get(id);
  if (failed) return ok(failed);
  const job = env.batches.get(id);
  return job && job.protocol === "openai" ? ok(renderJob(job, env)) : apiError(404, `No batch found with id '${id}'.`, null, "batch_id");
}

/** Newest first, `limit` a page (default 20, at most 100), from after the `after` id. */
function listBatches(request: StandinHttpRequest, env: StandinBatchEnv): StandinAnswer {
  const state = stateOf(env.batches);
  const all = [...env.batches.list("openai").map((job) => renderJob(job, env)), ...state.failed.values()].sort(
    (a, b) => Number(b.created_at) - Number(a.created_at) || String(b.id).localeCompare(String(a.id)),
  );
  const limit = Math.min(100, Math.max(1, Number(request.query.get("limit") ?? 20) || 20));
  const after = request.query.get("after");
  const start = after ? all.findIndex((batch) => batch.id === after) + 1 : 0;
  const data = all.slice(start, start + limit);
  return ok({
    object: "list",
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: start + limit < all.length,
  });
}

/** An unended job is cancelling, then cancelled; an ended one cannot be cancelled (409). */
function cancelBatch(_request: StandinHttpRequest, env: StandinBatchEnv, id: string): StandinAnswer {
  const failed = stateOf(env.batches).failed.get(id);
  const job = env.batches.get(id);
  if (!failed && (!job || job.protocol !== "openai")) return apiError(404, `No batch found with id '${id}'.`, null, "batch_id");
  const endedAs = failed ? "failed" : job?.ended ? ENDED_STATUS[job.ended.how] : undefined;
  if (endedAs) return apiError(409, `Cannot cancel a batch with status '${endedAs}'.`);
  env.batches.cancel(id);
  return ok({ ...renderJob(job!, env), status: "cancelling", cancelled_at: null, output_file_id: null, error_file_id: null });
}
