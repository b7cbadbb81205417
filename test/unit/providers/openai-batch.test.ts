// OpenAI's Batch API through the real `openai` SDK, via our BatchProvider, against the stand-in's batch routes: results
// matched by custom_id (the stand-in writes them in reverse order), mapped as a direct call's answers and errors are;
// partial results, expiry, cancel, find by display name after a crash, the job's states, and the stand-in's refusal of
// lines OpenAI's validation refuses.
import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { BatchItemResult, BatchProvider, BatchRequest, VendorJobRef, VendorJobStatus } from "../../../shared/models/batch-provider";
import { ModelCallError } from "../../../shared/models/model-call-error";
import type { ModelProvider } from "../../../shared/models/model-provider";
import type { RouteOf } from "../../../shared/providers/model-table";
import { createOpenAiBatchProvider, openAiBatchProviderFor } from "../../../shared/providers/openai/openai-batch";
import { createOpenAiProvider, type OpenAiEndpoint } from "../../../shared/providers/openai/openai-provider";
import { startStandin, type Standin, type StandinFault, type StandinScriptItem } from "../../../local/standin/standin-server";
import { request } from "../models/provider-contract";

const route: RouteOf<"openai"> = { provider: "openai", model: "gpt-4o-mini", base_url: "http://127.0.0.1:11434/v1" };
const API_KEY = "sk-openai-test-key-123456";

let standin: Standin;
let batches: BatchProvider;
let direct: ModelProvider;
let endpoint: OpenAiEndpoint;

beforeAll(async () => {
  standin = await startStandin({ batchTurnaroundMs: 60 });
  endpoint = { baseUrl: `${standin.url}/v1`, apiKey: API_KEY, keyName: "OPENAI_API_KEY" };
  batches = createOpenAiBatchProvider({ endpoint, timeoutMs: 5_000 });
  direct = createOpenAiProvider({ endpointFor: () => endpoint, timeoutMs: 5_000 });
});
afterAll(() => standin.close());
beforeEach(() => {
  standin.reset();
  standin.configure({ batchTurnaroundMs: 60, batchStuck: false, batchExpire: false, batchPartial: 0, cachedTokens: 0 });
});

const prompts = (n: number): BatchRequest[] =>
  Array.from({ length: n }, (_, i) => ({ key: `row-${i + 1}`, request: request(route, `question number ${i + 1}`, {}, "Be brief.") }));

/** Polls until the job ends, returning each status seen. */
async function untilEnded(job: VendorJobRef): Promise<VendorJobStatus[]> {
  const seen: VendorJobStatus[] = [];
  for (let i = 0; i < 200; i++) {
    const status = await batches.status(job);
    seen.push(status);
    if (status.state === "ended") return seen;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`batch ${job.name} did not end`);
}

async function collect(job: VendorJobRef): Promise<BatchItemResult[]> {
  const items: BatchItemResult[] = [];
  for await (const item of batches.results(job)) items.push(item);
  return items;
}

const byKey = (items: BatchItemResult[]) => new Map(items.map((item) => [item.key, item]));

/** The ModelCallError a direct call gets when the stand-in answers it with `outcome`. */
async function directError(outcome: StandinScriptItem, prompt: BatchRequest): Promise<ModelCallError> {
  standin.configure({ script: [outcome] });
  const error = await direct.generate(prompt.request).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(error instanceof ModelCallError)) throw new Error(`a direct call scripted ${JSON.stringify(outcome)} did not fail`);
  return error;
}

describe("openai batch: a job of several requests, through the openai SDK", () => {
  it("answers every key with the text, usage and finish reason of a direct call, whatever order the file has", async () => {
    standin.configure({ cachedTokens: 2 });
    const requests = [
      ...prompts(3),
      { key: "thinks", request: request(route, "think first", { thinkingLevel: "low" }) },
      { key: "json", request: request(route, "as json", { responseMimeType: "application/json" }) },
    ];
    const job = await batches.submit(route.model, requests, "job-several");
    await untilEnded(job);
    const items = await collect(job);
    expect(items.map((item) => item.key)).toEqual(requests.map((r) => r.key).reverse()); // the vendor's order, not ours
    const results = byKey(items);
    for (const { key, request: sent } of requests) {
      const item = results.get(key);
      expect(item?.kind, key).toBe("answered");
      const expected = await direct.generate(sent);
      expect(item?.kind === "answered" ? item.result : undefined, key).toEqual(expected);
    }
    const thinks = results.get("thinks");
    expect(thinks?.kind === "answered" ? thinks.result.usage : undefined).toMatchObject({
      thinking_tokens: expect.any(Number) as number,
      cached_tokens: 2,
    });
    expect(standin.stats()).toMatchObject({ batchJobs: 1, batchRequests: requests.length });
  });

  it("maps each request's error as a direct call's: 503 and 429 retryable, 400 not, safety blocked, out of credits", async () => {
    const outcomes: (StandinFault | "ok")[] = ["503", "400", "safety", "429", "insufficient_quota", "malformed", "ok"];
    const requests = prompts(outcomes.length);
    standin.configure({ script: outcomes });
    const job = await batches.submit(route.model, requests, "job-errors");
    await untilEnded(job);
    const results = byKey(await collect(job));
    for (const [i, outcome] of outcomes.entries()) {
      const item = results.get(requests[i]!.key);
      if (outcome === "ok") {
        expect(item?.kind).toBe("answered");
        continue;
      }
      expect(item?.kind, String(outcome)).toBe("failed");
      const error = item?.kind === "failed" ? item.error : undefined;
      // A batch has no socket: its malformed answer is the vendor's 500, as the stand-in's store makes it.
      const expected = await directError(outcome === "malformed" ? "500" : outcome, requests[i]!);
      expect(
        { kind: error?.kind, retryable: error?.isRetryable, status: error?.status, reason: error?.options.reason },
        String(outcome),
      ).toEqual({
        kind: expected.kind,
        retryable: expected.isRetryable,
        status: expected.status,
        reason: expected.options.reason,
      });
    }
    const kinds = outcomes
      .map((_, i) => results.get(requests[i]!.key))
      .map((item) => (item?.kind === "failed" ? [item.error.kind, item.error.isRetryable] : item?.kind));
    expect(kinds).toEqual([
      ["http", true],
      ["http", false],
      ["blocked", false],
      ["http", true],
      ["out_of_credits", false],
      ["http", true],
      "answered",
    ]);
  });
});

describe("openai batch: jobs that end without every answer", () => {
  it("gives the requests a partial job dropped back as not_run, the others answered", async () => {
    standin.configure({ batchPartial: 0.5 });
    const requests = prompts(8);
    const job = await batches.submit(route.model, requests, "job-partial");
    await untilEnded(job);
    const items = await collect(job);
    expect(new Set(items.map((item) => item.key))).toEqual(new Set(requests.map((r) => r.key)));
    const notRun = items.filter((item) => item.kind === "not_run");
    expect(notRun.length).toBeGreaterThan(0);
    expect(notRun.length).toBe(requests.length - standin.stats().batchRequests);
    expect(items.filter((item) => item.kind === "answered")).toHaveLength(standin.stats().batchRequests);
    expect(notRun[0]).toMatchObject({ reason: expect.stringContaining("no result for this request") as string });
  });

  it("ends an expired job 'expired' with every request not_run as batch_expired", async () => {
    standin.configure({ batchExpire: true });
    const requests = prompts(3);
    const job = await batches.submit(route.model, requests, "job-expired");
    const statuses = await untilEnded(job);
    expect(statuses.at(-1)).toMatchObject({ state: "ended", vendorState: "expired" });
    expect(statuses.at(-1)?.noResults).toBeFalsy();
    const items = await collect(job);
    expect(items.map((item) => [item.key, item.kind])).toEqual(requests.map((r) => [r.key, "not_run"]).reverse());
    expect(items[0]).toMatchObject({ reason: expect.stringMatching(/^batch_expired: /) as string });
    expect(standin.stats().batchRequests).toBe(0);
  });

  it("cancels a job stuck pending: it ends 'cancelled', every request not_run; a second cancel is no error", async () => {
    standin.configure({ batchStuck: true });
    const requests = prompts(2);
    const job = await batches.submit(route.model, requests, "job-cancel");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await batches.status(job)).toEqual({ state: "pending", vendorState: "validating" });
    await batches.cancel(job);
    expect(await batches.status(job)).toMatchObject({ state: "ended", vendorState: "cancelled" });
    const items = await collect(job);
    expect(items.map((item) => item.kind)).toEqual(["not_run", "not_run"]);
    expect(items[0]).toMatchObject({ reason: expect.stringMatching(/^batch_cancelled: /) as string });
    await expect(batches.cancel(job)).resolves.toBeUndefined();
  });

  it("refuses to read the results of a job that has not ended", async () => {
    standin.configure({ batchStuck: true });
    const job = await batches.submit(route.model, prompts(1), "job-unended");
    await expect(collect(job)).rejects.toThrow(/has not ended \(it is validating\)/);
    await batches.cancel(job);
  });
});

describe("openai batch: the job's life and finding it again", () => {
  it("goes pending (validating), running (in_progress), ended (completed)", async () => {
    standin.configure({ batchTurnaroundMs: 300 });
    const job = await batches.submit(route.model, prompts(2), "job-states");
    const statuses = await untilEnded(job);
    const states = statuses.map((status) => `${status.state}:${status.vendorState}`).filter((s, i, all) => s !== all[i - 1]);
    expect(states).toEqual(["pending:validating", "running:in_progress", "ended:completed"]);
  });

  it("finds a job by the display name it was created with (the crash between create and record), past the first page", async () => {
    const first = await batches.submit(route.model, prompts(1), "job-find-me");
    for (let i = 0; i < 100; i++) await batches.submit(route.model, prompts(1), `job-filler-${i}`);
    expect(await batches.find("job-find-me")).toEqual(first);
    expect(await batches.find("job-filler-99")).toEqual(expect.objectContaining({ name: expect.stringMatching(/^batch_/) as string }));
    expect(await batches.find("job-never-created")).toBeUndefined();
  });

  it("refuses a submission it must never send, before any upload: two models, a key twice, a bad key", async () => {
    const [one] = prompts(1);
    const other = { key: "other", request: request({ ...route, model: "gpt-4o" }, "x") };
    await expect(batches.submit(route.model, [one!, other], "job-bad")).rejects.toThrow(/request other is for model "gpt-4o"/);
    await expect(batches.submit(route.model, [one!, one!], "job-bad")).rejects.toThrow(/the key "row-1" is given twice/);
    await expect(batches.submit(route.model, [{ ...one!, key: "no spaces" }], "job-bad")).rejects.toThrow(/is not 1 to 64 characters/);
    expect(standin.stats().batchJobs).toBe(0);
  });

  it("counts a request's bytes as its line of the input file; one provider per server from setup's endpointFor", () => {
    const [one] = prompts(1);
    expect(batches.requestBytes(one!)).toBe(
      Buffer.byteLength(
        JSON.stringify({
          custom_id: "row-1",
          method: "POST",
          url: "/v1/chat/completions",
          body: {
            model: route.model,
            messages: [
              { role: "system", content: "Be brief." },
              { role: "user", content: "question number 1" },
            ],
          },
        }),
      ) + 1,
    );
    expect(batches.limits).toEqual({ maxRequests: 50_000, maxBytes: 200 * 1024 * 1024 });
    const forRoute = openAiBatchProviderFor({ endpointFor: () => endpoint });
    expect(forRoute(route)).toBe(forRoute({ ...route, model: "other" }));
    const missing = new ModelCallError("no key", "config");
    expect(() => openAiBatchProviderFor({ endpointFor: () => missing })(route)).toThrow(missing);
  });
});

describe("openai batch: the stand-in validates a job's lines as OpenAI does", () => {
  const sdk = () => new OpenAI({ apiKey: API_KEY, baseURL: `${standin.url}/v1`, maxRetries: 0 });
  const upload = async (lines: unknown[]) =>
    sdk().files.create({
      file: await toFile(Buffer.from(lines.map((l) => `${typeof l === "string" ? l : JSON.stringify(l)}\n`).join("")), "in.jsonl"),
      purpose: "batch",
    });
  const line = (key: string, body: unknown) => ({ custom_id: key, method: "POST", url: "/v1/chat/completions", body });
  const good = { model: route.model, messages: [{ role: "user", content: "hi" }] };

  it("fails a job whose lines it refuses (a body Chat Completions refuses, a repeated custom_id), naming the lines", async () => {
    const file = await upload([line("good", good), line("no-messages", { model: route.model }), line("good", good)]);
    const created = await sdk().batches.create({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" });
    expect(created.status).toBe("failed");
    expect(created.errors?.data?.map((e) => [e.line, e.code])).toEqual([
      [2, "invalid_request"],
      [3, "duplicate_custom_id"],
    ]);
    expect(created.errors?.data?.[0]?.message).toBe("'messages' must contain at least one message");
    // Through the adapter: the refused line fails as a 400 would, the others come back to be sent again.
    const status = await batches.status({ name: created.id });
    expect(status).toMatchObject({ state: "ended", vendorState: "failed", noResults: false });
    expect(status.message).toContain("line 2: invalid_request: 'messages' must contain at least one message");
    const results = byKey(await collect({ name: created.id }));
    expect(results.get("good")).toMatchObject({ kind: "not_run" });
    const refused = results.get("no-messages");
    expect(refused?.kind === "failed" ? [refused.error.kind, refused.error.status, refused.error.isRetryable] : refused).toEqual([
      "http",
      400,
      false,
    ]);
    expect(standin.stats().batchJobs).toBe(0);
  });

  it("refuses a line that is not JSON, or not a POST to the batch's endpoint", async () => {
    const file = await upload([
      "{not json",
      { ...line("wrong-url", good), url: "/v1/embeddings" },
      { ...line("get", good), method: "GET" },
    ]);
    const created = await sdk().batches.create({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" });
    expect(created.errors?.data?.map((e) => [e.line, e.code])).toEqual([
      [1, "invalid_json_line"],
      [2, "invalid_url"],
      [3, "invalid_method"],
    ]);
  });

  it("answers a create it cannot accept with a 400 in OpenAI's error shape", async () => {
    const file = await upload([line("good", good)]);
    const refused = await sdk()
      .batches.create({ input_file_id: file.id, endpoint: "/v1/embeddings", completion_window: "24h" })
      .catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({
      type: "invalid_request_error",
      param: "endpoint",
    });
    const missing = await sdk()
      .batches.retrieve("batch_nope")
      .catch((err: unknown) => err);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("fails an empty input file with no results to read", async () => {
    const file = await sdk().files.create({ file: await toFile(Buffer.from(""), "empty.jsonl"), purpose: "batch" });
    const created = await sdk().batches.create({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" });
    expect(await batches.status({ name: created.id })).toMatchObject({ state: "ended", vendorState: "failed", noResults: true });
  });
});
