// Gemini's Batch Mode through the real @google/genai SDK, by createGeminiBatchProvider, against the in-process stand-in:
// results by key equal to a direct call's (inline and file input), per-request errors mapped as a direct call's,
// partial results, expiry, cancel, find after a crash, the job's states, and the stand-in refusing a malformed line.
import { GoogleGenAI } from "@google/genai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { BatchItemResult, BatchProvider, BatchRequest, VendorJobRef } from "../../../shared/models/batch-provider";
import { ModelCallError } from "../../../shared/models/model-call-error";
import type { ModelResult } from "../../../shared/models/model-provider";
import { createGeminiBatchProvider, type GeminiBatchProviderOptions } from "../../../shared/providers/gemini/gemini-batch";
import { createGeminiProvider } from "../../../shared/providers/gemini/gemini-provider";
import { startStandin, type Standin, type StandinScriptItem } from "../../../local/standin/standin-server";

const API_KEY = "AIzaSyTEST-never-show-this-key-0123456789";
const MODEL = "gemini-2.5-flash";

let standin: Standin;
beforeAll(async () => {
  standin = await startStandin();
});
afterAll(async () => {
  await standin.close();
});
beforeEach(() => {
  standin.configure({ faults: {}, batchTurnaroundMs: 100, batchStuck: false, batchExpire: false, batchPartial: 0 });
  standin.reset();
});

const batchProvider = (extra: Partial<GeminiBatchProviderOptions> = {}): BatchProvider =>
  createGeminiBatchProvider({ apiKey: API_KEY, baseUrl: standin.url, timeoutMs: 5_000, ...extra });
const directProvider = () => createGeminiProvider({ apiKey: API_KEY, baseUrl: standin.url, timeoutMs: 5_000 });

/** Requests that differ in prompts and generation config (thinking asked for by one, JSON by another). */
function requests(count: number): BatchRequest[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `row-${i}`,
    request: {
      model: MODEL,
      systemPrompt: i % 2 ? "You are terse." : "",
      userPrompt: `Question number ${i}: ${"why ".repeat(i + 1)}?`,
      generationConfig: [{ temperature: 0.2 }, { thinkingBudget: 64, maxOutputTokens: 500 }, { responseMimeType: "application/json" }][
        i % 3
      ]!,
    },
  }));
}

async function waitUntilEnded(provider: BatchProvider, job: VendorJobRef): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await provider.status(job)).state === "ended") return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`job ${job.name} did not end`);
}

async function collect(provider: BatchProvider, job: VendorJobRef, keys?: readonly string[]): Promise<BatchItemResult[]> {
  const all: BatchItemResult[] = [];
  for await (const item of provider.results(job, keys)) all.push(item);
  return all;
}

/** Submits, waits for the end, and reads every result by key. */
async function runJob(provider: BatchProvider, batch: BatchRequest[], name = "job-1"): Promise<BatchItemResult[]> {
  const job = await provider.submit(MODEL, batch, name);
  await waitUntilEnded(provider, job);
  return collect(
    provider,
    job,
    batch.map((r) => r.key),
  );
}

/** What a direct call gives for each request: its answer, or its ModelCallError. */
async function direct(batch: BatchRequest[]): Promise<(ModelResult | ModelCallError)[]> {
  const provider = directProvider();
  const out: (ModelResult | ModelCallError)[] = [];
  for (const { request } of batch) out.push(await provider.generate(request).catch((err: unknown) => err as ModelCallError));
  return out;
}

const byKey = (items: BatchItemResult[]) => new Map(items.map((item) => [item.key, item]));
const errorShape = (err: ModelCallError) => ({
  message: err.message,
  kind: err.kind,
  status: err.status,
  retryable: err.isRetryable,
  retryAfterMs: err.retryAfterMs,
  usage: err.usage,
});

describe.each([
  ["inline", {}],
  ["an uploaded JSONL file", { inlineMaxBytes: 1 }],
] as const)("a job sent %s", (input, options) => {
  it("ends, and each result maps to its key with the text, usage and finish reason of a direct call", async () => {
    const batch = requests(5);
    const results = await runJob(batchProvider(options), batch);
    const batchLog = standin.requests();
    const expected = await direct(batch);
    expect(results.map((r) => r.key)).not.toEqual(batch.map((r) => r.key)); // the stand-in reverses: position would fail
    expect(results).toHaveLength(batch.length);
    const got = byKey(results);
    batch.forEach(({ key }, i) => expect(got.get(key), key).toEqual({ key, kind: "answered", result: expected[i] }));
    expect((got.get("row-1") as { result: ModelResult }).result.usage.thinking_tokens).toBeGreaterThan(0);
    // The very request a direct call sends: the same prompts and generation config reached the stand-in.
    const sent = (entries: typeof batchLog) =>
      entries.map(({ model, systemPrompt, userPrompt, generationConfig }) => ({ model, systemPrompt, userPrompt, generationConfig }));
    expect(sent(batchLog)).toEqual(sent(standin.requests().slice(batch.length)));
  });

  it(`is ${input === "inline" ? "inline" : "a file"} on the wire`, async () => {
    const provider = batchProvider(options);
    const job = await provider.submit(MODEL, requests(2), "wire");
    const raw = (await (await fetch(`${standin.url}/v1beta/${job.name}`)).json()) as { metadata: { inputConfig?: { fileName?: string } } };
    expect(raw.metadata.inputConfig?.fileName !== undefined).toBe(input !== "inline");
  });

  it("maps per-request errors as a direct call's: 503 and 429 retryable, 400 not, safety blocked", async () => {
    const batch = requests(5);
    const script: StandinScriptItem[] = ["503", "400", "safety", "429", "ok"];
    standin.configure({ script, retryDelayMs: 1500 });
    const results = byKey(await runJob(batchProvider(options), batch));
    standin.configure({ script });
    const expected = await direct(batch);
    for (const [i, { key }] of batch.entries()) {
      const want = expected[i]!;
      const got = results.get(key)!;
      if (want instanceof ModelCallError) {
        expect(got.kind, key).toBe("failed");
        expect(errorShape((got as { error: ModelCallError }).error), key).toEqual(errorShape(want));
      } else expect(got, key).toEqual({ key, kind: "answered", result: want });
    }
    const error = (key: string) => (results.get(key) as { error: ModelCallError }).error;
    expect([error("row-0").status, error("row-0").isRetryable]).toEqual([503, true]);
    expect([error("row-1").status, error("row-1").isRetryable]).toEqual([400, false]);
    expect([error("row-2").kind, error("row-2").isRetryable]).toEqual(["blocked", false]);
    expect([error("row-3").status, error("row-3").isRetryable, error("row-3").retryAfterMs]).toEqual([429, true, 1500]);
  });

  it("gives not_run for the requests a partial job dropped, and their results for the others", async () => {
    standin.configure({ batchPartial: 0.5, seed: 7 });
    const batch = requests(8);
    const results = await runJob(batchProvider(options), batch);
    const ran = new Set(standin.requests().map((r) => r.userPrompt));
    expect(results).toHaveLength(batch.length);
    const got = byKey(results);
    for (const { key, request } of batch) {
      const item = got.get(key)!;
      expect(item.kind, key).toBe(ran.has(request.userPrompt) ? "answered" : "not_run");
      if (item.kind === "not_run") expect(item.reason).toMatch(/without a result for this request/);
    }
    expect(results.filter((r) => r.kind === "not_run").length).toBeGreaterThan(0);
    expect(results.filter((r) => r.kind === "answered").length).toBeGreaterThan(0);
  });
});

describe("a job's life", () => {
  it("is pending, then running, then ended", async () => {
    standin.configure({ batchTurnaroundMs: 600 });
    const provider = batchProvider();
    const job = await provider.submit(MODEL, requests(2), "states");
    expect(await provider.status(job)).toEqual({ state: "pending", vendorState: "JOB_STATE_PENDING" });
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await provider.status(job)).toEqual({ state: "running", vendorState: "JOB_STATE_RUNNING" });
    await expect(collect(provider, job)).rejects.toThrow(/while it is JOB_STATE_RUNNING: wait until it has ended/);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await provider.status(job)).toEqual({ state: "ended", vendorState: "JOB_STATE_SUCCEEDED" });
  });

  it("expires with no results: every request not_run, to be sent again", async () => {
    standin.configure({ batchExpire: true });
    const provider = batchProvider();
    const batch = requests(3);
    const job = await provider.submit(MODEL, batch, "expiring");
    await waitUntilEnded(provider, job);
    expect(await provider.status(job)).toMatchObject({ state: "ended", vendorState: "JOB_STATE_EXPIRED", noResults: true });
    const results = await collect(
      provider,
      job,
      batch.map((r) => r.key),
    );
    expect(results.map((r) => r.kind)).toEqual(["not_run", "not_run", "not_run"]);
    expect(results[0]).toMatchObject({ reason: expect.stringMatching(/expired/) as unknown });
    expect(standin.stats().batchRequests).toBe(0);
  });

  it("cancels a job stuck pending: it ends cancelled, its requests not_run", async () => {
    standin.configure({ batchStuck: true });
    const provider = batchProvider();
    const batch = requests(3);
    const job = await provider.submit(MODEL, batch, "stuck");
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await provider.status(job)).state).toBe("pending");
    await provider.cancel(job);
    expect(await provider.status(job)).toMatchObject({ state: "ended", vendorState: "JOB_STATE_CANCELLED", noResults: true });
    const results = await collect(
      provider,
      job,
      batch.map((r) => r.key),
    );
    expect(results).toEqual(batch.map(({ key }) => ({ key, kind: "not_run", reason: expect.stringMatching(/cancelled/) as unknown })));
  });

  it("finds a job created before a crash by its display name, across pages of the list", async () => {
    const before = batchProvider();
    const created = await before.submit(MODEL, requests(1), "batch-7~model-step~0001");
    for (let i = 0; i < 3; i++) await before.submit(MODEL, requests(1), `later-${i}`);
    const after = batchProvider({ listPageSize: 2 }); // a fresh instance: nothing kept in memory
    expect(await after.find("batch-7~model-step~0001")).toEqual(created);
    expect(await after.find("never-created")).toBeUndefined();
  });

  it("reports a job it does not know as a non-retryable 404, the key kept out of the message", async () => {
    const err = await batchProvider()
      .status({ name: "batches/nope" })
      .then(
        (status) => new Error(`expected a ModelCallError, got ${JSON.stringify(status)}`),
        (e: unknown) => e,
      );
    if (!(err instanceof ModelCallError)) throw err;
    expect([err.status, err.isRetryable]).toEqual([404, false]);
    expect(err.message).toContain("get batch job batches/nope");
    expect(err.message).not.toContain(API_KEY);
  });
});

const refusalExpected = (job: unknown): never => {
  throw new Error(`expected the stand-in to refuse the job, it created ${JSON.stringify(job)}`);
};

describe("the stand-in's Gemini batch routes", () => {
  const ai = () => new GoogleGenAI({ apiKey: API_KEY, vertexai: false, httpOptions: { baseUrl: standin.url } });

  it("refuses a file with a malformed line with Google's 400, naming the line", async () => {
    const lines = [JSON.stringify({ key: "a", request: { contents: [{ role: "user", parts: [{ text: "hi" }] }] } }), "{not json", ""].join(
      "\n",
    );
    const file = await ai().files.upload({ file: new Blob([lines]), config: { mimeType: "jsonl" } });
    const err = await ai()
      .batches.create({ model: MODEL, src: file.name! })
      .then(refusalExpected, (e: unknown) => e as Error & { status?: number });
    expect(err.status).toBe(400);
    expect(JSON.parse(err.message)).toMatchObject({
      error: { code: 400, status: "INVALID_ARGUMENT", message: expect.stringContaining(`${file.name} line 2`) as unknown },
    });
  });

  it("refuses an inline request without contents, naming it", async () => {
    const good = { contents: "hello", metadata: { key: "a" } };
    const err = await ai()
      .batches.create({ model: MODEL, src: [good, { metadata: { key: "b" } }] })
      .then(refusalExpected, (e: unknown) => e as Error & { status?: number });
    expect(err.status).toBe(400);
    expect(err.message).toContain("requests[1].request");
    expect(standin.stats().batchJobs).toBe(0);
  });
});
