// OpenAI's Batch API as our BatchProvider, through the `openai` SDK: the requests uploaded as one JSONL file
// (files.create, purpose "batch"), a job over it (batches.create, /v1/chat/completions, 24h), its status
// (batches.retrieve), its results read from its output and error files (files.content, streamed line by line) and
// matched by custom_id, never by position. One provider per server and key, as a model table entry names them.
import type OpenAI from "openai";
import type { BatchItemResult, BatchLimits, BatchProvider, BatchRequest, VendorJobRef } from "../../models/batch-provider";
import { DEFAULT_MODEL_TIMEOUT_MS, lazyImport, withCallTimeout } from "../../models/call-timeout";
import { mapSdkError, type SdkCallContext } from "../../models/map-sdk-error";
import { ModelCallError } from "../../models/model-call-error";
import { isObject, redactApiKey } from "../../models/vendor-helpers";
import type { OpenAiRoute } from "./definition";
import {
  DISPLAY_NAME_KEY,
  mapBatchResultLine,
  mapOpenAiBatchStatus,
  missingResultReason,
  MODEL_KEY,
  OPENAI_BATCH_ENDPOINT,
  refusedLineError,
  batchErrorLines,
  toBatchInputLine,
} from "./map-openai-batch";
import { readJsonLines } from "./read-json-lines";
import type { OpenAiEndpoint, OpenAiProviderOptions } from "./openai-provider";

/** OpenAI's limits of one batch input file: 50,000 requests, 200 MB (platform.openai.com, Batch API). */
export const OPENAI_BATCH_LIMITS: BatchLimits = { maxRequests: 50_000, maxBytes: 200 * 1024 * 1024 };
/** OpenAI metadata values hold at most 512 characters. */
const MAX_METADATA_VALUE = 512;

export interface OpenAiBatchProviderOptions {
  /** The server and key the jobs go to (one model table entry's, as the synchronous adapter's endpointFor gives it). */
  endpoint: OpenAiEndpoint;
  /** Our timeout of each call to the batch API (an upload, a page of the list; a file read waits at most this between chunks). */
  timeoutMs?: number;
}

const loadSdk = lazyImport(() => import("openai"));
type OpenAiModule = Awaited<ReturnType<typeof loadSdk>>;

/** The batch provider of each model table entry's server, from what setup.ts has: one per server and key. */
export function openAiBatchProviderFor(options: OpenAiProviderOptions): (route: OpenAiRoute) => BatchProvider {
  const made = new Map<string, BatchProvider>();
  return (route) => {
    const endpoint = options.endpointFor(route);
    if (endpoint instanceof ModelCallError) throw endpoint;
    const key = `${endpoint.baseUrl}\u0000${endpoint.apiKey}`;
    let provider = made.get(key);
    if (!provider)
      made.set(key, (provider = createOpenAiBatchProvider({ endpoint, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) })));
    return provider;
  };
}

export function createOpenAiBatchProvider(options: OpenAiBatchProviderOptions): BatchProvider {
  const { endpoint } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_MODEL_TIMEOUT_MS;
  const context = (who: string): Omit<SdkCallContext, "timedOut" | "aborted"> => ({
    who,
    baseUrl: endpoint.baseUrl,
    timeoutMs,
    keyName: endpoint.keyName,
    baseUrlName: "the entry's base_url (or OPENAI_BASE_URL); a server without /files and /batches (Ollama) has no batch mode",
  });
  let client: OpenAI | undefined;
  const sdk = async () => {
    const loaded = await loadSdk();
    // maxRetries 0: the pipeline decides what to call again.
    client ??= new loaded.default({ apiKey: endpoint.apiKey, baseURL: endpoint.baseUrl, maxRetries: 0, timeout: timeoutMs || 600_000 });
    return { client, loaded };
  };
  const call = async <T>(action: string, run: (client: OpenAI, signal: AbortSignal) => Promise<T>) => {
    try {
      return await withCallTimeout(
        undefined,
        timeoutMs,
        async (signal) => {
          const { client } = await sdk();
          return await run(client, signal);
        },
        (err, ending) => mapSdkError(err, { ...context(`the OpenAI-compatible server's batch API (${action})`), ...ending }),
      );
    } catch (err) {
      throw err instanceof ModelCallError ? redactApiKey(err, endpoint.apiKey) : err;
    }
  };
  const batchApi: BatchApi = { call, context, sdk, timeoutMs, apiKey: endpoint.apiKey };
  return {
    name: "openai",
    limits: OPENAI_BATCH_LIMITS,
    requestBytes: (request) => Buffer.byteLength(toBatchInputLine(request)) + 1,
    submit: (model, requests, displayName) => submit(batchApi, model, requests, displayName),
    find: (displayName) =>
      call("listing batch jobs", async (client, signal) => {
        // Newest first; paged through to the end, as a job not found is submitted again.
        for await (const batch of client.batches.list({ limit: 100 }, { signal }))
          if (batch.metadata?.[DISPLAY_NAME_KEY] === displayName) return { name: batch.id };
        return undefined;
      }),
    status: async (job) =>
      mapOpenAiBatchStatus(await call("reading the batch job", (client, signal) => client.batches.retrieve(job.name, { signal }))),
    results: (job) => results(batchApi, job),
    cancel: (job) => cancel(batchApi, job),
  };
}

interface BatchApi {
  call: <T>(action: string, run: (client: OpenAI, signal: AbortSignal) => Promise<T>) => Promise<T>;
  context: (who: string) => Omit<SdkCallContext, "timedOut" | "aborted">;
  sdk: () => Promise<{ client: OpenAI; loaded: OpenAiModule }>;
  timeoutMs: number;
  apiKey: string;
}

/** What the pipeline must never send (a caller's mistake, not the vendor's): refused before anything is uploaded. */
function checkSubmission(model: string, requests: readonly BatchRequest[], displayName: string, bytes: number): void {
  const problem = (what: string) => new Error(`an OpenAI batch job "${displayName}" of model "${model}" was not submitted: ${what}`);
  if (!displayName || displayName.length > MAX_METADATA_VALUE)
    throw problem(`its display name must have 1 to ${MAX_METADATA_VALUE} characters`);
  if (model.length > MAX_METADATA_VALUE) throw problem(`the model name is longer than ${MAX_METADATA_VALUE} characters`);
  if (requests.length === 0) throw problem("it has no requests");
  if (requests.length > OPENAI_BATCH_LIMITS.maxRequests)
    throw problem(`${requests.length} requests, more than ${OPENAI_BATCH_LIMITS.maxRequests}`);
  if (bytes > OPENAI_BATCH_LIMITS.maxBytes) throw problem(`${bytes} bytes of input, more than ${OPENAI_BATCH_LIMITS.maxBytes}`);
  const keys = new Set<string>();
  for (const { key, request } of requests) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(key)) throw problem(`the key "${key}" is not 1 to 64 characters of A-Z, a-z, 0-9, _ and -`);
    if (keys.has(key)) throw problem(`the key "${key}" is given twice (results are matched by key)`);
    keys.add(key);
    if (request.model !== model) throw problem(`request ${key} is for model "${request.model}" (a job holds one model)`);
  }
}

async function submit(api: BatchApi, model: string, requests: readonly BatchRequest[], displayName: string): Promise<VendorJobRef> {
  const jsonl = requests.map((request) => `${toBatchInputLine(request)}\n`).join("");
  checkSubmission(model, requests, displayName, Buffer.byteLength(jsonl));
  const file = await api.call("uploading the batch input file", async (client, signal) => {
    const { loaded } = await api.sdk();
    const upload = await loaded.toFile(Buffer.from(jsonl), "batch-input.jsonl", { type: "application/jsonl" });
    return client.files.create({ file: upload, purpose: "batch" }, { signal });
  });
  // A crash here leaves an uploaded file and no job: nothing is run twice; the file expires with its purpose's default.
  const batch = await api.call("creating the batch job", (client, signal) =>
    client.batches.create(
      {
        input_file_id: file.id,
        endpoint: OPENAI_BATCH_ENDPOINT,
        completion_window: "24h",
        metadata: { [DISPLAY_NAME_KEY]: displayName, [MODEL_KEY]: model },
      },
      { signal },
    ),
  );
  return { name: batch.id };
}

/**
 * The job's results: its output file's lines, then its error file's (each key once: a repeated line is the vendor
 * delivering it twice), then every request of the input file with no line, as not run (or, when the vendor refused
 * that input line at validation, failed as a 400).
 */
async function* results(api: BatchApi, job: VendorJobRef): AsyncGenerator<BatchItemResult> {
  const batch = await api.call("reading the batch job", (client, signal) => client.batches.retrieve(job.name, { signal }));
  const status = mapOpenAiBatchStatus(batch);
  if (status.state !== "ended")
    throw new Error(`the OpenAI batch job ${job.name} has not ended (it is ${status.vendorState}): read its results once it has`);
  const model = batch.metadata?.[MODEL_KEY] ?? "(unknown model)";
  const { loaded } = await api.sdk();
  const ctx = api.context(`model "${model}" (OpenAI-compatible server)`);
  // A request's error maps as the same status and body thrown by the SDK at a direct call would.
  const httpError = (status: number, body: unknown) =>
    redactApiKey(
      mapSdkError(loaded.APIError.generate(status, isObject(body) ? body : undefined, undefined, new Headers()), {
        ...ctx,
        timedOut: false,
        aborted: false,
      }),
      api.apiKey,
    );
  const seen = new Set<string>();
  for (const fileId of [batch.output_file_id, batch.error_file_id]) {
    if (!fileId) continue;
    for await (const line of readJsonLines(api, fileId, `result file ${fileId} of batch ${job.name}`)) {
      const item = mapBatchResultLine(line, { model, httpError });
      if (seen.has(item.key)) continue;
      seen.add(item.key);
      yield item;
    }
  }
  const total = batch.request_counts?.total;
  if (batch.status !== "failed" && total !== undefined && seen.size >= total) return;
  const refused = new Map(batchErrorLines(batch).flatMap((error) => (error.line !== undefined ? [[error.line, error.text] as const] : [])));
  let lineNumber = 0;
  for await (const line of readJsonLines(api, batch.input_file_id, `input file ${batch.input_file_id} of batch ${job.name}`)) {
    lineNumber++;
    const key = isObject(line) && typeof line.custom_id === "string" ? line.custom_id : undefined;
    if (key === undefined || seen.has(key)) continue;
    seen.add(key);
    const why = refused.get(lineNumber);
    yield why
      ? { key, kind: "failed", error: refusedLineError(model, key, why) }
      : { key, kind: "not_run", reason: missingResultReason(status) };
  }
}

/** Cancels the job; one that ended meanwhile (the vendor refuses to cancel it with a 4xx) is as the caller wants it. */
async function cancel(api: BatchApi, job: VendorJobRef): Promise<void> {
  try {
    await api.call("cancelling the batch job", (client, signal) => client.batches.cancel(job.name, { signal }));
  } catch (err) {
    const refused =
      err instanceof ModelCallError && err.status !== undefined && err.status >= 400 && err.status < 500 && err.status !== 429;
    if (!refused) throw err;
    const batch = await api.call("reading the batch job", (client, signal) => client.batches.retrieve(job.name, { signal }));
    if (mapOpenAiBatchStatus(batch).state !== "ended") throw err;
  }
}
