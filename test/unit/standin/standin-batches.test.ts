// The stand-in's shared batch job store (local/standin/standin-batches.ts) on its own clock, through the Anthropic
// protocol and its Message Batches routes: turnaround (pending, running, ended), each request answered by the protocol's
// own answer, stuck, expire, partial results, cancel.
import { beforeEach, describe, expect, it } from "vitest";
import {
  DEFAULT_BATCH_KNOBS,
  StandinBatches,
  type BatchDecider,
  type BatchKnobs,
  type StandinBatchEnv,
  type StandinBatchJob,
} from "../../../local/standin/standin-batches";
import type { StandinOutcome } from "../../../local/standin/standin-protocol";
import { batch as routes, protocol } from "../../../shared/providers/anthropic/standin";

let now: number;
let knobs: BatchKnobs;
let outcomes: StandinOutcome[];
let rolls: number[];
let recorded: string[];
let created: number;
let store: StandinBatches;
let env: StandinBatchEnv;

const decider: BatchDecider = {
  knobs: () => knobs,
  decide: () => ({ outcome: outcomes.shift() ?? "ok" }),
  roll: () => rolls.shift() ?? 0.99,
  created: () => void created++,
  record: (_job, request) => void recorded.push(request.key),
  answerContext: () => ({ retryDelayMs: 100, rpm: 0, cachedTokens: 0 }),
};

beforeEach(() => {
  now = 1_000_000;
  knobs = { ...DEFAULT_BATCH_KNOBS, batchTurnaroundMs: 1000 };
  outcomes = [];
  rolls = [];
  recorded = [];
  created = 0;
  store = new StandinBatches(decider, new Map([["anthropic", protocol]]), () => now);
  env = { batches: store, baseUrl: "http://standin.test" };
});

const params = (text: string) => ({ model: "claude-haiku-5-5", max_tokens: 50, messages: [{ role: "user", content: text }] });

/** A Message Batch created through the routes, as the SDK would. */
async function createBatch(keys: string[]): Promise<StandinBatchJob> {
  const body = Buffer.from(JSON.stringify({ requests: keys.map((key) => ({ custom_id: key, params: params(`prompt ${key}`) })) }));
  const answer = await routes.handle(
    { method: "POST", path: "/v1/messages/batches", query: new URLSearchParams(), headers: {}, body },
    env,
  );
  expect(answer.status).toBe(200);
  return store.get((answer.body as { id: string }).id)!;
}

async function get(path: string): Promise<{ status: number; body: Record<string, unknown>; raw?: string | undefined }> {
  const answer = await routes.handle({ method: "GET", path, query: new URLSearchParams(), headers: {}, body: Buffer.alloc(0) }, env);
  return { status: answer.status, body: answer.body as Record<string, unknown>, raw: answer.raw };
}

const resultLines = async (id: string) =>
  (await get(`/v1/messages/batches/${id}/results`))
    .raw!.trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { custom_id: string; result: { type: string; error?: unknown; message?: unknown } });

describe("the stand-in's batch store", () => {
  it("keeps a job pending for the first half of its turnaround, running for the second, then ends it answered", async () => {
    const job = await createBatch(["a", "b"]);
    expect(created).toBe(1);
    expect(job.id).toMatch(/^msgbatch_standin\d{6}$/);
    expect(store.phase(job)).toBe("pending");
    now += 499;
    expect(store.phase(job)).toBe("pending");
    now += 1;
    expect(store.phase(job)).toBe("running");
    expect((await get(`/v1/messages/batches/${job.id}`)).body).toMatchObject({ processing_status: "in_progress", results_url: null });
    expect(recorded).toEqual([]);
    now += 500;
    expect(store.phase(job)).toBe("ended");
    expect(job.ended).toMatchObject({ at: now, how: "completed" });
    expect(recorded).toEqual(["a", "b"]);
    expect((await get(`/v1/messages/batches/${job.id}`)).body).toMatchObject({
      processing_status: "ended",
      request_counts: { processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 },
      results_url: `http://standin.test/v1/messages/batches/${job.id}/results`,
    });
    // Reverse order; each answer is the protocol's own message for that prompt.
    const lines = await resultLines(job.id);
    expect(lines.map((line) => line.custom_id)).toEqual(["b", "a"]);
    expect(lines[1]!.result).toMatchObject({
      type: "succeeded",
      message: { type: "message", content: [{ type: "text", text: "[stand-in claude-haiku-5-5] prompt a" }], stop_reason: "end_turn" },
    });
  });

  it("answers each request by the decider's outcome in the protocol's shapes; a reset or malformed one becomes its 500", async () => {
    outcomes = ["503", "reset", "malformed", "safety"];
    const job = await createBatch(["e503", "reset", "malformed", "safety"]);
    now += 1000;
    const lines = new Map((await resultLines(job.id)).map((line) => [line.custom_id, line.result]));
    expect(lines.get("e503")).toMatchObject({
      type: "errored",
      error: { type: "error", error: { type: "api_error" }, request_id: expect.any(String) as string },
    });
    expect(lines.get("reset")).toMatchObject({
      type: "errored",
      error: { error: { type: "api_error", message: expect.stringMatching(/injected fault/) as string } },
    });
    expect(lines.get("malformed")).toMatchObject({ type: "errored" });
    expect(lines.get("safety")).toMatchObject({ type: "succeeded", message: { stop_reason: "refusal" } });
    expect(job.ended!.items.find((item) => item.key === "e503")).toMatchObject({
      kind: "answered",
      outcome: "503",
      reply: { status: 503 },
    });
  });

  it("holds a stuck job pending past its turnaround until it is cancelled; it then ends cancelled, nothing run", async () => {
    knobs.batchStuck = true;
    const job = await createBatch(["a", "b"]);
    now += 10 * 60_000;
    expect(store.phase(job)).toBe("pending");
    expect(job.ended).toBeUndefined();
    const cancelled = await routes.handle(
      { method: "POST", path: `/v1/messages/batches/${job.id}/cancel`, query: new URLSearchParams(), headers: {}, body: Buffer.alloc(0) },
      env,
    );
    expect(cancelled.body).toMatchObject({
      processing_status: "ended",
      request_counts: { canceled: 2 },
      cancel_initiated_at: new Date(now).toISOString(),
    });
    expect(job.ended).toMatchObject({ how: "cancelled", items: [{ key: "a", kind: "not_run", why: "cancelled" }, { key: "b" }] });
    expect((await resultLines(job.id)).map((line) => line.result.type)).toEqual(["canceled", "canceled"]);
    expect(recorded).toEqual([]);
  });

  it("ends an expiring job at its turnaround with every request not run", async () => {
    knobs.batchExpire = true;
    const job = await createBatch(["a", "b", "c"]);
    now += 999;
    expect(store.phase(job)).toBe("running");
    now += 1;
    expect(store.phase(job)).toBe("ended");
    expect(job.ended!.how).toBe("expired");
    expect(job.ended!.items.every((item) => item.kind === "not_run" && item.why === "expired")).toBe(true);
    expect((await get(`/v1/messages/batches/${job.id}`)).body).toMatchObject({ request_counts: { expired: 3, succeeded: 0 } });
    expect(recorded).toEqual([]);
  });

  it("drops the requests whose roll falls under batchPartial, and runs only the others", async () => {
    knobs.batchPartial = 0.5;
    rolls = [0.2, 0.7, 0.49, 0.5];
    const job = await createBatch(["a", "b", "c", "d"]);
    now += 1000;
    expect(store.phase(job)).toBe("ended");
    expect(job.ended!.items.map((item) => (item.kind === "not_run" ? `${item.key}:${item.why}` : `${item.key}:answered`))).toEqual([
      "a:dropped",
      "b:answered",
      "c:dropped",
      "d:answered",
    ]);
    expect(recorded).toEqual(["b", "d"]);
    // Claude accounts for every request: a dropped one is expired.
    expect((await get(`/v1/messages/batches/${job.id}`)).body).toMatchObject({ request_counts: { succeeded: 2, expired: 2 } });
  });

  it("cancels a running job at once; a cancel after the turnaround leaves the job completed", async () => {
    const running = await createBatch(["a"]);
    now += 600;
    expect(store.cancel(running.id)!.ended).toMatchObject({ at: now, how: "cancelled" });
    const late = await createBatch(["b"]);
    now += 1000; // its turnaround has passed, though nobody asked since
    expect(store.cancel(late.id)!.ended).toMatchObject({ how: "completed" });
    expect(late.cancelledAt).toBeUndefined();
    expect(store.cancel("msgbatch_none")).toBeUndefined();
  });

  it("lists one protocol's jobs, keeps files, and gives ids with the vendor's prefix", async () => {
    const job = await createBatch(["a"]);
    expect(store.list("anthropic").map((each) => each.id)).toEqual([job.id]);
    expect(store.list("openai")).toEqual([]);
    const file = store.putFile(
      { displayName: "in.jsonl", mimeType: "application/jsonl", purpose: "batch", bytes: Buffer.from("{}\n") },
      "file-",
    );
    expect(file.id).toMatch(/^file-standin\d{6}$/);
    expect(store.getFile(file.id)?.bytes.toString()).toBe("{}\n");
    expect(store.getFile("file-none")).toBeUndefined();
  });

  it("answers results of a job not yet ended, and an unknown job, with Claude's errors", async () => {
    const job = await createBatch(["a"]);
    expect(await get(`/v1/messages/batches/${job.id}/results`)).toMatchObject({
      status: 400,
      body: { error: { type: "invalid_request_error" } },
    });
    expect(await get("/v1/messages/batches/msgbatch_none")).toMatchObject({ status: 404, body: { error: { type: "not_found_error" } } });
  });
});
