// Claude's Message Batches through @anthropic-ai/sdk, by our BatchProvider, against the stand-in's batch routes: results
// by key (the stand-in answers in reverse order), each mapped as a direct call's answer or error is; partial results,
// expiry, cancel, find after a crash between create and record, and the stand-in refusing what Claude refuses.
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { GenerationConfig } from "../../../shared/config/generation-config";
import {
  VendorJobUndecided,
  type BatchItemResult,
  type BatchProvider,
  type BatchRequest,
  type VendorJobRef,
  type VendorJobStatus,
} from "../../../shared/models/batch-provider";
import { ModelCallError } from "../../../shared/models/model-call-error";
import type { ModelProvider } from "../../../shared/models/model-provider";
import { createAnthropicBatchProvider } from "../../../shared/providers/anthropic/anthropic-batch";
import { createAnthropicProvider } from "../../../shared/providers/anthropic/anthropic-provider";
import { startStandin, type Standin, type StandinFault } from "../../../local/standin/standin-server";

const MODEL = "claude-haiku-5-5";
const API_KEY = "sk-ant-test-key-123456";
let standin: Standin;
let batches: BatchProvider;
let direct: ModelProvider;

beforeAll(async () => {
  standin = await startStandin();
  batches = createAnthropicBatchProvider({ apiKey: API_KEY, baseUrl: standin.url, timeoutMs: 5_000 });
  direct = createAnthropicProvider({ apiKey: API_KEY, baseUrl: standin.url, timeoutMs: 5_000 });
});
afterAll(() => standin.close());
beforeEach(() => {
  standin.configure({ batchTurnaroundMs: 200, batchStuck: false, batchExpire: false, batchPartial: 0, faults: {}, seed: 1 });
  standin.reset();
});

const ask = (key: string, userPrompt: string, generationConfig: GenerationConfig = {}, systemPrompt = ""): BatchRequest => ({
  key,
  request: { model: MODEL, systemPrompt, userPrompt, generationConfig },
});

async function waitEnded(job: VendorJobRef): Promise<VendorJobStatus> {
  for (let i = 0; i < 250; i++) {
    const status = await batches.status(job);
    if (status.state === "ended") return status;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`batch ${job.name} did not end`);
}

async function collect(job: VendorJobRef): Promise<BatchItemResult[]> {
  const all: BatchItemResult[] = [];
  for await (const item of batches.results(job)) all.push(item);
  return all;
}

const byKey = (items: BatchItemResult[]) => new Map(items.map((item) => [item.key, item]));

describe("anthropic batch: a job of several requests", () => {
  it("ends, and every result maps to its key with the text, usage and finish reason of a direct call", async () => {
    const requests = [
      ask("row-1", "Tell me a joke!", {}, "Be brief."),
      ask("row-2", "Rate it", { thinkingBudget: 1024, maxOutputTokens: 4096 }),
      ask("row-3", "A longer prompt, so the usage differs from the others.", { stopSequences: ["END"] }),
    ];
    const job = await batches.submit(MODEL, requests, "group-1");
    expect(job.name).toMatch(/^msgbatch_/);
    expect(await waitEnded(job)).toEqual({
      state: "ended",
      vendorState: "ended",
      message: "succeeded 3, errored 0, canceled 0, expired 0",
    });
    const items = await collect(job);
    // The vendor's order is not the input's: matching by position would pair the wrong answers.
    expect(items.map((item) => item.key)).toEqual(["row-3", "row-2", "row-1"]);
    const sentInBatch = standin
      .requests()
      .map(({ generationConfig, systemPrompt, userPrompt }) => ({ generationConfig, systemPrompt, userPrompt }));
    standin.reset();
    for (const { key, request } of requests) {
      const answer = await direct.generate(request);
      expect(byKey(items).get(key)).toEqual({ key, kind: "answered", result: answer });
    }
    // The very body a direct call sends, request by request.
    const sentDirect = standin
      .requests()
      .map(({ generationConfig, systemPrompt, userPrompt }) => ({ generationConfig, systemPrompt, userPrompt }));
    expect(sentInBatch).toEqual(sentDirect);
    expect(byKey(items).get("row-2")).toMatchObject({ result: { usage: { thinking_tokens: expect.any(Number) as number } } });
  });

  it("reports running (Claude names no queued state) until the turnaround, then ended", async () => {
    standin.configure({ batchTurnaroundMs: 600 });
    const job = await batches.submit(MODEL, [ask("a", "x"), ask("b", "y")], "group-status");
    // The store's pending half and its running half are both Claude's in_progress.
    expect(await batches.status(job)).toEqual({ state: "running", vendorState: "in_progress" });
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await batches.status(job)).toEqual({ state: "running", vendorState: "in_progress" });
    expect((await waitEnded(job)).state).toBe("ended");
  });

  it("refuses, before any call, an empty job and a request of another model", async () => {
    await expect(batches.submit(MODEL, [], "empty")).rejects.toThrow(/no requests/);
    const other = { key: "k", request: { ...ask("k", "x").request, model: "claude-opus-5-5" } };
    await expect(batches.submit(MODEL, [other], "mixed")).rejects.toThrow(/request k is for model "claude-opus-5-5"/);
    expect(standin.stats().batchJobs).toBe(0);
  });

  it("counts a request's bytes as its line of the create body", () => {
    const request = ask("k1", "héllo");
    const line = JSON.stringify({
      custom_id: "k1",
      params: { model: MODEL, max_tokens: 1024, messages: [{ role: "user", content: "héllo" }] },
    });
    expect(batches.requestBytes(request)).toBe(Buffer.byteLength(line) + 1);
    expect(batches.limits).toEqual({ maxRequests: 100_000, maxBytes: 256_000_000 });
  });
});

describe("anthropic batch: per-request errors map as a direct call's", () => {
  const FAULTS: StandinFault[] = [
    "400",
    "403",
    "404",
    "429",
    "500",
    "503",
    "504",
    "529",
    "safety",
    "blocked",
    "empty",
    "insufficient_quota",
  ];

  it("gives each fault the kind, status class and retryability of the same fault on a direct call", async () => {
    standin.configure({ script: FAULTS });
    const job = await batches.submit(
      MODEL,
      FAULTS.map((fault, i) => ask(`f${i}`, `prompt ${fault}`)),
      "group-faults",
    );
    await waitEnded(job);
    const items = byKey(await collect(job));
    for (const [i, fault] of FAULTS.entries()) {
      standin.configure({ script: [fault] });
      const expected = (await direct.generate(ask("x", `prompt ${fault}`).request).catch((err: unknown) => err)) as ModelCallError;
      const item = items.get(`f${i}`)!;
      expect(item.kind, fault).toBe("failed");
      const { error } = item as Extract<BatchItemResult, { kind: "failed" }>;
      expect(error, fault).toBeInstanceOf(ModelCallError);
      expect({ kind: error.kind, retryable: error.isRetryable }, fault).toEqual({ kind: expected.kind, retryable: expected.isRetryable });
      // A batch's errored result names the error type, not the status: 503 and 504 come back as api_error's 500 and timeout_error's 504.
      if (error.kind === "http" || error.kind === "out_of_credits")
        expect(Math.floor(error.status! / 100), fault).toBe(Math.floor(expected.status! / 100));
    }
  });

  it("maps a retryable one (503) to a retryable ModelCallError, 400 to a final one, safety to blocked", async () => {
    standin.configure({ script: ["503", "400", "safety", "429"] });
    const job = await batches.submit(MODEL, [ask("r", "a"), ask("f", "b"), ask("s", "c"), ask("t", "d"), ask("ok", "e")], "group-kinds");
    await waitEnded(job);
    const items = byKey(await collect(job));
    const error = (key: string) => (items.get(key) as Extract<BatchItemResult, { kind: "failed" }>).error;
    expect(error("r")).toMatchObject({ kind: "http", isRetryable: true, status: 500 });
    expect(error("r").message).toMatch(/Message Batch msgbatch_\w+, request r\) answered HTTP 500 api_error: .*retrying may succeed/);
    expect(error("f")).toMatchObject({ kind: "http", isRetryable: false, status: 400 });
    expect(error("f").message).toMatch(/invalid_request_error.*check the step's parameters and prompts/);
    expect(error("s")).toMatchObject({ kind: "blocked", isRetryable: false });
    expect(error("s").usage?.prompt_tokens).toBeGreaterThan(0);
    expect(error("t")).toMatchObject({ kind: "http", isRetryable: true, status: 429 });
    expect(items.get("ok")).toMatchObject({ kind: "answered", result: { finishReason: "STOP" } });
    expect(await batches.status(job)).toMatchObject({ message: "succeeded 2, errored 3, canceled 0, expired 0" });
  });
});

describe("anthropic batch: requests not run", () => {
  it("gives not_run for the requests a partial job dropped, and an answer for the others", async () => {
    standin.configure({ batchPartial: 0.5 });
    const requests = Array.from({ length: 10 }, (_, i) => ask(`p${i}`, `prompt ${i}`));
    const job = await batches.submit(MODEL, requests, "group-partial");
    await waitEnded(job);
    const items = await collect(job);
    expect(items.map((item) => item.key).sort()).toEqual(requests.map((r) => r.key).sort());
    const notRun = items.filter((item) => item.kind === "not_run");
    const answered = items.filter((item) => item.kind === "answered");
    expect(notRun.length).toBeGreaterThan(0);
    expect(answered.length).toBeGreaterThan(0);
    expect(notRun.length + answered.length).toBe(10);
    for (const item of notRun)
      expect(item).toMatchObject({ reason: expect.stringMatching(/expired .* before this request ran/) as string });
    // The dropped requests were never run: the stand-in ran exactly the answered ones.
    expect(
      standin
        .requests()
        .map((r) => r.userPrompt)
        .sort(),
    ).toEqual(answered.map((item) => `prompt ${item.key.slice(1)}`).sort());
  });

  it("gives not_run expired for every request of an expired job", async () => {
    standin.configure({ batchExpire: true });
    const job = await batches.submit(MODEL, [ask("e1", "a"), ask("e2", "b")], "group-expire");
    expect(await waitEnded(job)).toMatchObject({ state: "ended", message: "succeeded 0, errored 0, canceled 0, expired 2" });
    const items = await collect(job);
    expect(items.map(({ key, kind }) => ({ key, kind })).sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: "e1", kind: "not_run" },
      { key: "e2", kind: "not_run" },
    ]);
    expect(standin.stats().batchRequests).toBe(0);
  });

  it("cancels a job stuck pending: it ends canceled, none of its requests run", async () => {
    standin.configure({ batchStuck: true, batchTurnaroundMs: 50 });
    const job = await batches.submit(MODEL, [ask("c1", "a"), ask("c2", "b")], "group-cancel");
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await batches.status(job)).toEqual({ state: "running", vendorState: "in_progress" });
    await batches.cancel(job);
    expect(await batches.status(job)).toMatchObject({ state: "ended", message: "succeeded 0, errored 0, canceled 2, expired 0" });
    const items = await collect(job);
    expect(items).toHaveLength(2);
    for (const item of items)
      expect(item).toMatchObject({ kind: "not_run", reason: expect.stringMatching(/was canceled before/) as string });
    expect(standin.stats().batchRequests).toBe(0);
  });
});

describe("anthropic batch: find after a crash between create and record", () => {
  it("finds the batch the intent created, by its keys and time, once it has ended; until then it will not guess", async () => {
    standin.configure({ batchTurnaroundMs: 300 });
    // Another batch of as many requests, created in the same minutes, must not be taken for it.
    const other = await batches.submit(MODEL, [ask("x1", "a"), ask("x2", "b")], "group-other");
    const intentAt = new Date();
    const keys = ["k1", "k2"];
    const created = await batches.submit(MODEL, [ask("k1", "a"), ask("k2", "b")], "group-find");
    // The crash: `created` was never recorded. While both run, nothing tells them apart.
    const undecided = (await batches.find("group-find", { keys, intentAt }).catch((err: unknown) => err)) as VendorJobUndecided;
    expect(undecided).toBeInstanceOf(VendorJobUndecided);
    expect([...undecided.candidates].sort()).toEqual([created.name, other.name].sort());
    expect(undecided.message).toMatch(/do not submit again, ask later/);
    await waitEnded(created);
    await waitEnded(other);
    expect(await batches.find("group-find", { keys, intentAt })).toEqual(created);
    // An intent whose create never reached Claude: nothing to find, so submitting is safe.
    expect(await batches.find("group-never", { keys: ["n1", "n2", "n3"], intentAt: new Date() })).toBeUndefined();
    expect(await batches.find("group-later", { keys, intentAt: new Date(Date.now() + 60 * 60_000) })).toBeUndefined();
  });

  it("refuses find without the intent's keys and time: a Message Batch has no name to find it by", async () => {
    await expect(batches.find("group-x")).rejects.toThrow(/carry no name.*pass them \(FindHint\)/);
  });
});

describe("the stand-in's Message Batches API refuses what Claude refuses", () => {
  const client = () => new Anthropic({ apiKey: API_KEY, baseURL: standin.url, maxRetries: 0 });

  it("refuses a line whose params Claude would refuse, with a 400 invalid_request_error naming the line", async () => {
    const bad = {
      model: MODEL,
      messages: [{ role: "user" as const, content: "x" }],
    } as unknown as Anthropic.MessageCreateParamsNonStreaming;
    const good = { model: MODEL, max_tokens: 10, messages: [{ role: "user" as const, content: "x" }] };
    const err = (await client()
      .messages.batches.create({
        requests: [
          { custom_id: "a", params: good },
          { custom_id: "b", params: bad },
        ],
      })
      .catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(err.error).toEqual({
      type: "error",
      error: { type: "invalid_request_error", message: "requests.1.params.max_tokens: Field required" },
    });
    expect(standin.stats().batchJobs).toBe(0);
  });

  it("refuses a custom_id outside ^[a-zA-Z0-9_-]{1,64}$ and a duplicate one", async () => {
    const params = { model: MODEL, max_tokens: 10, messages: [{ role: "user" as const, content: "x" }] };
    const refused = (requests: Anthropic.Messages.BatchCreateParams.Request[]) =>
      client()
        .messages.batches.create({ requests })
        .catch((e: unknown) => (e as InstanceType<typeof Anthropic.APIError>).error);
    expect(await refused([{ custom_id: "has space", params }])).toMatchObject({
      error: { message: expect.stringMatching(/^requests\.0\.custom_id: must match/) as string },
    });
    expect(
      await refused([
        { custom_id: "a", params },
        { custom_id: "a", params },
      ]),
    ).toMatchObject({
      error: { type: "invalid_request_error", message: expect.stringMatching(/^requests\.1\.custom_id: a is used by another/) as string },
    });
  });

  it("answers an unknown batch id with Claude's 404 not_found_error, which the adapter maps", async () => {
    const err = (await batches.status({ name: "msgbatch_nope" }).catch((e: unknown) => e)) as ModelCallError;
    expect(err).toMatchObject({ kind: "http", status: 404, isRetryable: false });
    expect(err.message).toMatch(/not_found_error/);
  });

  it("lists newest first, page by page", async () => {
    const made = [];
    for (let i = 0; i < 3; i++) made.push((await batches.submit(MODEL, [ask(`l${i}`, "x")], `list-${i}`)).name);
    const page = await client().messages.batches.list({ limit: 2 });
    expect(page.data.map((b) => b.id)).toEqual([made[2], made[1]]);
    expect(page.has_more).toBe(true);
    const ids = [];
    for await (const batch of client().messages.batches.list({ limit: 2 })) ids.push(batch.id);
    expect(ids.slice(0, 3)).toEqual([made[2], made[1], made[0]]);
  });
});
