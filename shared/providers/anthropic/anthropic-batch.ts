// The Anthropic provider's batch API: our BatchProvider over @anthropic-ai/sdk's Message Batches
// (client.messages.batches), built as the synchronous adapter is (same client options, retries off, our own timeout).
// Each request's params are the very body a direct call sends (toAnthropicRequest), and each result maps as a direct
// answer or error does (map-anthropic-batch.ts), by custom_id.
//
// A Message Batch carries no name or metadata: it is known by its id, creation time and request count, and its
// requests' custom_ids show only in its results, once it has ended. So find() needs the intent's keys and time
// (FindHint): it takes the batches created around that time with as many requests, confirms an ended one by its
// custom_ids, and throws VendorJobUndecided while a candidate still runs (it can be told apart only when it ends).
import type Anthropic from "@anthropic-ai/sdk";
import type { BatchCreateParams, MessageBatch } from "@anthropic-ai/sdk/resources/messages/batches";
import {
  VendorJobUndecided,
  type BatchItemResult,
  type BatchLimits,
  type BatchProvider,
  type BatchRequest,
  type FindHint,
  type VendorJobRef,
} from "../../models/batch-provider";
import { DEFAULT_MODEL_TIMEOUT_MS, lazyImport, withCallTimeout } from "../../models/call-timeout";
import { mapSdkError } from "../../models/map-sdk-error";
import { ModelCallError } from "../../models/model-call-error";
import { redactApiKey } from "../../models/vendor-helpers";
import { ANTHROPIC_BASE_URL, type AnthropicProviderOptions } from "./anthropic-provider";
import { toAnthropicRequest } from "./anthropic-request";
import { batchRequestTotal, mapAnthropicBatchLine, mapAnthropicBatchStatus, type BatchErrorContext } from "./map-anthropic-batch";

export type AnthropicBatchOptions = AnthropicProviderOptions;

/** Claude's limits on one Message Batch: 100,000 requests or 256 MB of request body (taken as 10^6 bytes, the smaller reading). */
export const ANTHROPIC_BATCH_LIMITS: BatchLimits = { maxRequests: 100_000, maxBytes: 256_000_000 };

/**
 * How far a batch's created_at (the vendor's clock) may lie from the intent's time (ours) and still be the intent's
 * job: clock skew either side, plus the create call's own timeout after the intent.
 */
const FIND_SKEW_MS = 5 * 60_000;

const loadSdk = lazyImport(() => import("@anthropic-ai/sdk"));

/** One line of the create body: the custom_id and the params a direct call would send. */
function batchLine({ key, request }: BatchRequest): BatchCreateParams.Request {
  return { custom_id: key, params: toAnthropicRequest(request) };
}

const encoder = new TextEncoder();

export function createAnthropicBatchProvider(options: AnthropicBatchOptions): BatchProvider {
  const baseUrl = options.baseUrl?.replace(/\/+$/, "") || undefined;
  const timeoutMs = options.timeoutMs ?? DEFAULT_MODEL_TIMEOUT_MS;
  const errorContext: BatchErrorContext = {
    baseUrl: baseUrl ?? ANTHROPIC_BASE_URL,
    timeoutMs,
    keyName: "ANTHROPIC_API_KEY",
    baseUrlName: "ANTHROPIC_BASE_URL",
  };
  let client: Anthropic | undefined;

  /** One API call under our timeout, its failure mapped as a direct call's and the key scrubbed from it. */
  const call = async <T>(what: string, run: (client: Anthropic, signal: AbortSignal) => Promise<T>): Promise<T> => {
    try {
      return await withCallTimeout(
        undefined,
        timeoutMs,
        async (signal) => {
          const { default: AnthropicSdk } = await loadSdk();
          // As the direct adapter: retries are the caller's; the SDK's timeout only lifts its own limits, ours fires first.
          client ??= new AnthropicSdk({
            apiKey: options.apiKey,
            maxRetries: 0,
            timeout: timeoutMs || 600_000,
            ...(baseUrl ? { baseURL: baseUrl } : {}),
          });
          return await run(client, signal);
        },
        (err, ending) => mapSdkError(err, { ...errorContext, who: `Claude's Message Batches API (${what})`, ...ending }),
      );
    } catch (err) {
      throw err instanceof ModelCallError ? redactApiKey(err, options.apiKey) : err;
    }
  };

  const requestBytes = (request: BatchRequest) => encoder.encode(JSON.stringify(batchLine(request))).length + 1;

  return {
    name: "anthropic",
    limits: ANTHROPIC_BATCH_LIMITS,
    requestBytes,
    async submit(model, requests, displayName) {
      checkJob(model, requests, displayName, requestBytes);
      const batch = await call(`create "${displayName}"`, (c, signal) =>
        c.messages.batches.create({ requests: requests.map(batchLine) }, { signal }),
      );
      return { name: batch.id };
    },
    find: (displayName, hint) => findBatch(displayName, hint, { call, errorContext, timeoutMs }),
    async status(job) {
      return mapAnthropicBatchStatus(
        await call(`retrieve ${job.name}`, (c, signal) => c.messages.batches.retrieve(job.name, {}, { signal })),
      );
    },
    results: (job) => readResults(job.name, call, errorContext),
    async cancel(job) {
      await call(`cancel ${job.name}`, (c, signal) => c.messages.batches.cancel(job.name, {}, { signal }));
    },
  };
}

type Call = <T>(what: string, run: (client: Anthropic, signal: AbortSignal) => Promise<T>) => Promise<T>;

/** What submit refuses before any call: no requests, another model's, or more than one batch may hold. */
function checkJob(model: string, requests: readonly BatchRequest[], displayName: string, bytes: (r: BatchRequest) => number): void {
  const where = `Message Batch "${displayName}"`;
  if (requests.length === 0) throw new Error(`${where}: no requests to submit`);
  const other = requests.find(({ request }) => request.model !== model);
  if (other) throw new Error(`${where}: request ${other.key} is for model "${other.request.model}", not the job's "${model}"`);
  const { maxRequests, maxBytes } = ANTHROPIC_BATCH_LIMITS;
  if (requests.length > maxRequests) throw new Error(`${where}: ${requests.length} requests, more than a batch's ${maxRequests}`);
  const total = requests.reduce((sum, request) => sum + bytes(request), 0);
  if (total > maxBytes) throw new Error(`${where}: ${total} bytes, more than a batch's ${maxBytes}; group fewer requests`);
}

/** Every result line of an ended batch, mapped by custom_id; a failure while reading is mapped as a call's. */
async function* readResults(jobId: string, call: Call, ctx: BatchErrorContext): AsyncGenerator<BatchItemResult> {
  const lines = await call(`results of ${jobId}`, (c, signal) => c.messages.batches.results(jobId, {}, { signal }));
  const iterator = lines[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<unknown>;
      try {
        next = await iterator.next();
      } catch (err) {
        throw mapSdkError(err, { ...ctx, who: `Claude's Message Batches API (results of ${jobId})`, timedOut: false, aborted: false });
      }
      if (next.done) return;
      yield mapAnthropicBatchLine(next.value, jobId, ctx);
    }
  } finally {
    // A reader that stops early (find's check) closes the response instead of leaving it open.
    await iterator.return?.();
  }
}

interface FindContext {
  call: Call;
  errorContext: BatchErrorContext;
  timeoutMs: number;
}

/**
 * The batch the intent created, told by what Claude keeps of a batch: created within the intent's window with as many
 * requests, and, once ended, the same custom_ids. Undefined when none was created; VendorJobUndecided while a
 * candidate runs or two match.
 */
async function findBatch(displayName: string, hint: FindHint | undefined, ctx: FindContext): Promise<VendorJobRef | undefined> {
  if (!hint) {
    throw new Error(
      `find("${displayName}"): Claude's Message Batches carry no name, so a batch is found by the keys and time of the intent; pass them (FindHint)`,
    );
  }
  const from = hint.intentAt.getTime() - FIND_SKEW_MS;
  const to = hint.intentAt.getTime() + (ctx.timeoutMs || 600_000) + FIND_SKEW_MS;
  const candidates = await ctx.call(`list, to find "${displayName}"`, async (c, signal) => {
    const found: MessageBatch[] = [];
    // Newest first: stop at the first batch created before the window.
    for await (const batch of c.messages.batches.list({ limit: 100 }, { signal })) {
      const created = Date.parse(batch.created_at);
      if (created < from) break;
      if (created <= to && batchRequestTotal(batch.request_counts) === hint.keys.length) found.push(batch);
    }
    return found;
  });
  const confirmed: string[] = [];
  const undecided: string[] = [];
  for (const batch of candidates) {
    if (batch.processing_status !== "ended" || !batch.results_url) undecided.push(batch.id);
    else if (await holdsExactly(batch.id, hint.keys, ctx)) confirmed.push(batch.id);
  }
  if (confirmed.length === 1 && undecided.length === 0) return { name: confirmed[0]! };
  if (confirmed.length === 0 && undecided.length === 0) return undefined;
  throw new VendorJobUndecided(
    `find("${displayName}"): ${confirmed.length ? `batches ${confirmed.join(", ")} hold its requests` : "no ended batch holds its requests"}${undecided.length ? `, and ${undecided.join(", ")} (created then, with as many requests) can be told apart only when they end` : ""}; do not submit again, ask later`,
    [...confirmed, ...undecided],
  );
}

/** Whether an ended batch's results hold exactly these custom_ids (read until the first one that is not). */
async function holdsExactly(jobId: string, keys: readonly string[], ctx: FindContext): Promise<boolean> {
  const wanted = new Set(keys);
  const seen = new Set<string>();
  for await (const item of readResults(jobId, ctx.call, ctx.errorContext)) {
    if (!wanted.has(item.key) || seen.has(item.key)) return false;
    seen.add(item.key);
  }
  return seen.size === wanted.size;
}
