// Gemini's Batch Mode as our BatchProvider, through @google/genai (`ai.batches`, `ai.files`; @google/generative-ai, the
// synchronous adapter's SDK, has no batch mode), loaded on first use only. The Gemini API only: Vertex AI's batch
// prediction reads Cloud Storage and is refused at validation.
//
// A job's requests are the bodies a direct call sends (gemini-request.ts), each with its key as metadata; they go inline
// while the job's input fits `inlineMaxBytes`, else as an uploaded JSONL file. Results are read by key, never by
// position (Gemini documents its inline responses in input order, yet has been seen to reorder them and to drop their
// metadata), and mapped by the synchronous adapter's answer and error mappers.
import { mkdtemp, rm } from "node:fs/promises";
import { createReadStream } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { BatchJob, GoogleGenAI } from "@google/genai";
import type { BatchLimits, BatchProvider, BatchRequest, VendorJobRef, VendorJobStatus } from "../../models/batch-provider";
import { DEFAULT_MODEL_TIMEOUT_MS, lazyImport, withCallTimeout } from "../../models/call-timeout";
import { ModelCallError } from "../../models/model-call-error";
import { redactApiKey } from "../../models/vendor-helpers";
import { toGeminiRequest } from "./gemini-request";
import {
  BATCH_KEY_PATTERN,
  keyedResults,
  mapGeminiBatchCallError,
  mapGeminiJobStatus,
  parseResultLine,
  toInlinedRequest,
  toJsonlLine,
  type GeminiBatchItem,
} from "./map-gemini-batch";

export interface GeminiBatchProviderOptions {
  apiKey: string;
  /** Overrides Google's endpoint, e.g. the offline stand-in's URL. */
  baseUrl?: string;
  /** Per-call timeout of each batch API call (create, get, list, cancel, an upload or download) (default 120 s; 0 = none). */
  timeoutMs?: number;
  /** A job whose input takes at most this many bytes goes inline, a larger one as an uploaded JSONL file (default 16 MiB). */
  inlineMaxBytes?: number;
  /** Overrides GEMINI_BATCH_LIMITS. */
  limits?: BatchLimits;
  /** Jobs asked for per page when find() lists them (default 100). */
  listPageSize?: number;
}

/**
 * Gemini's guide allows inline input under 20 MB and an input file up to 2 GB, and documents no request count per job.
 * The file is built in memory, so a job is held to 256 MiB and 100,000 requests (a function's memory, and a results
 * file read in one download); 16 MiB inline leaves room under 20 MB for the envelope and the SDK's rewriting.
 */
export const GEMINI_BATCH_LIMITS: BatchLimits = { maxRequests: 100_000, maxBytes: 256 * 1024 * 1024 };
export const DEFAULT_GEMINI_INLINE_MAX_BYTES = 16 * 1024 * 1024;
const GOOGLE_BASE_URL = "https://generativelanguage.googleapis.com";
const JOB_NAME = /^batches\/[^/]+$/;

const loadSdk = lazyImport(() => import("@google/genai"));

/** One SDK call of the batch API, under our timeout; a failure is a ModelCallError saying what the call was. */
type BatchCall = <T>(what: string, run: (ai: GoogleGenAI, signal: AbortSignal) => Promise<T>) => Promise<T>;

export function createGeminiBatchProvider(options: GeminiBatchProviderOptions): BatchProvider {
  const limits = options.limits ?? GEMINI_BATCH_LIMITS;
  const inlineMaxBytes = options.inlineMaxBytes ?? DEFAULT_GEMINI_INLINE_MAX_BYTES;
  const call = batchCaller(options);
  const getJob = (job: VendorJobRef): Promise<BatchJob> =>
    call(`get batch job ${jobName(job)}`, (ai, abortSignal) => ai.batches.get({ name: jobName(job), config: { abortSignal } }));

  return {
    name: "gemini",
    limits,
    requestBytes: (request) => Buffer.byteLength(toJsonlLine(request.key, toGeminiRequest(request.request))) + 1,

    async submit(model, requests, displayName) {
      const { lines, bytes } = checkedLines(model, requests, limits);
      const src =
        bytes <= inlineMaxBytes
          ? lines.map((line) => toInlinedRequest(line.key, line.body))
          : await call(`upload the input file of batch job "${displayName}"`, async (ai, abortSignal) => {
              const file = new Blob([lines.map((line) => `${line.text}\n`).join("")], { type: "application/jsonl" });
              const uploaded = await ai.files.upload({ file, config: { mimeType: "jsonl", displayName, abortSignal } });
              return requireName(uploaded.name, "the uploaded input file");
            });
      const created = await call(`create batch job "${displayName}" of model "${model}"`, (ai, abortSignal) =>
        ai.batches.create({ model, src, config: { displayName, abortSignal } }),
      );
      return { name: requireName(created.name, `batch job "${displayName}"`) };
    },

    find: (displayName) =>
      call(`list batch jobs to find "${displayName}"`, async (ai, abortSignal) => {
        const pager = await ai.batches.list({ config: { pageSize: options.listPageSize ?? 100, abortSignal } });
        for await (const job of pager) if (job.displayName === displayName && job.name) return { name: job.name };
        return undefined;
      }),

    async status(job): Promise<VendorJobStatus> {
      const got = await getJob(job);
      return mapGeminiJobStatus(got.state, hasOutput(got));
    },

    async *results(job, submittedKeys) {
      const got = await getJob(job);
      const status = mapGeminiJobStatus(got.state, hasOutput(got));
      if (status.state !== "ended")
        throw new Error(
          `the results of Gemini batch job ${job.name} were asked for while it is ${status.vendorState}: wait until it has ended`,
        );
      const model = (got.model ?? "").replace(/^models\//, "");
      const file = got.dest?.fileName;
      const items: Iterable<GeminiBatchItem> | AsyncIterable<GeminiBatchItem> = file
        ? fileItems(call, file)
        : (got.dest?.inlinedResponses ?? []).map((item) => ({ key: item.metadata?.key, response: item.response, error: item.error }));
      yield* keyedResults(items, { model, vendorState: status.vendorState, submittedKeys });
    },

    async cancel(job) {
      await call(`cancel batch job ${jobName(job)}`, (ai, abortSignal) =>
        ai.batches.cancel({ name: jobName(job), config: { abortSignal } }),
      );
    },
  };
}

/** The client, built like the synchronous adapter's (key, base URL, our timeout, no SDK retries), and its calls. */
function batchCaller(options: GeminiBatchProviderOptions): BatchCall {
  const { apiKey } = options;
  const baseUrl = options.baseUrl?.replace(/\/+$/, "") || undefined;
  const timeoutMs = options.timeoutMs ?? DEFAULT_MODEL_TIMEOUT_MS;
  let client: GoogleGenAI | undefined;
  return async (what, run) => {
    try {
      return await withCallTimeout(
        undefined,
        timeoutMs,
        async (signal) => {
          const { GoogleGenAI: Sdk } = await loadSdk();
          // The client's own timeout bounds each HTTP request, the upload's chunks too (they take no abort signal);
          // no retryOptions: the SDK does not retry (retrying is the pipeline's).
          client ??= new Sdk({
            apiKey,
            vertexai: false,
            httpOptions: { ...(baseUrl ? { baseUrl } : {}), ...(timeoutMs > 0 ? { timeout: timeoutMs } : {}) },
          });
          return await run(client, signal);
        },
        (err, ending) => mapGeminiBatchCallError(err, { what, baseUrl: baseUrl ?? GOOGLE_BASE_URL, timeoutMs, ...ending }),
      );
    } catch (err) {
      // A key in a URL or a message must never reach a run record or a log.
      throw err instanceof ModelCallError ? redactApiKey(err, apiKey) : err;
    }
  };
}

/** The lines of a responses file, downloaded to a temporary file (the SDK writes downloads to disk) and read one by one. */
async function* fileItems(call: BatchCall, file: string): AsyncGenerator<GeminiBatchItem> {
  const dir = await mkdtemp(join(tmpdir(), "gemini-batch-"));
  try {
    const path = join(dir, "responses.jsonl");
    await call(`download the results file ${file}`, (ai, abortSignal) =>
      ai.files.download({ file, downloadPath: path, config: { abortSignal } }),
    );
    let lineNumber = 0;
    for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
      lineNumber++;
      if (line.trim()) yield parseResultLine(line, lineNumber);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface RequestLine {
  key: string;
  body: ReturnType<typeof toGeminiRequest>;
  text: string;
}

/** Each request's body and input line, after the checks a caller's grouping must already have made (it is a bug if not). */
function checkedLines(model: string, requests: readonly BatchRequest[], limits: BatchLimits): { lines: RequestLine[]; bytes: number } {
  if (requests.length === 0) throw new Error(`a Gemini batch job of model "${model}" needs at least one request`);
  if (requests.length > limits.maxRequests)
    throw new Error(`a Gemini batch job holds at most ${limits.maxRequests} requests, not ${requests.length}: group them in more jobs`);
  const keys = new Set<string>();
  const lines = requests.map(({ key, request }) => {
    if (!BATCH_KEY_PATTERN.test(key)) throw new Error(`batch request key "${key}" is not 1 to 64 characters of [A-Za-z0-9_-]`);
    if (keys.has(key)) throw new Error(`batch request key "${key}" appears twice in one job: a key must name one request`);
    if (request.model !== model) throw new Error(`batch request "${key}" is for model "${request.model}", not the job's "${model}"`);
    keys.add(key);
    const body = toGeminiRequest(request);
    return { key, body, text: toJsonlLine(key, body) };
  });
  const bytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line.text) + 1, 0);
  if (bytes > limits.maxBytes)
    throw new Error(`a Gemini batch job holds at most ${limits.maxBytes} bytes, not ${bytes}: group them in more jobs`);
  return { lines, bytes };
}

function jobName(job: VendorJobRef): string {
  if (!JOB_NAME.test(job.name)) throw new Error(`"${job.name}" is not a Gemini batch job name (batches/<id>)`);
  return job.name;
}

function hasOutput(job: BatchJob): boolean {
  return Boolean(job.dest?.fileName || job.dest?.inlinedResponses);
}

function requireName(name: string | undefined, what: string): string {
  if (!name) throw new ModelCallError(`Gemini answered without the name of ${what}; retrying may succeed`, "malformed");
  return name;
}
