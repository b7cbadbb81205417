// Promise 19, provider batch mode: the collector (shared/provider-batch/) against the Firestore emulator and the
// in-process stand-in, through the real `openai` and `@anthropic-ai/sdk` SDKs and our batch adapters. batch_requests/
// documents are written here as the park writes them, and `resume` records its calls. Requests are grouped into one
// vendor job per provider and model and answered by key; a crash between the vendor's create and recording its name
// never submits twice; a round run twice, at once or after stopping half-way, stores and resumes nothing twice; expired,
// partial, per-request errors, the submission limit and a stuck job cancelled all end each request answered or failed.
// Each scenario adds a row to reliability.json in RELIABILITY_RESULTS_DIR (when set), recorded before its assertions.
import { Timestamp, type Firestore } from "firebase-admin/firestore";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { COLLECTIONS } from "../../shared/collections";
import { responseKey } from "../../shared/engine/response-key";
import type { BatchItemResult, BatchProvider } from "../../shared/models/batch-provider";
import { ModelCallError } from "../../shared/models/model-call-error";
import type { ModelRoute } from "../../shared/providers/model-table";
import { createAnthropicBatchProvider } from "../../shared/providers/anthropic/anthropic-batch";
import { createOpenAiBatchProvider } from "../../shared/providers/openai/openai-batch";
import { getDb } from "../../shared/pipeline/firestore";
import { cancelVendorJobsOf } from "../../shared/provider-batch/cancel-vendor-jobs";
import { collectProviderBatches, type CollectorRound } from "../../shared/provider-batch/collect-provider-batches";
import type { CollectorDeps, CollectorSettings } from "../../shared/provider-batch/collector-deps";
import { startStandin, type Standin } from "../../local/standin/standin-server";
import { requireEmulator, uniqueId } from "../support/firestore-test-env";
import { writeResultRows } from "../support/reliability-rows";

type Doc = Record<string, unknown>;
type Outcome = "survived" | "failed clearly" | "lost";
const P19 = "19 provider batch";
const rows: { promise: string; fault: string; times: number; outcome: Outcome; detail: string }[] = [];
const record = (fault: string, times: number, outcome: Outcome, detail: string) =>
  rows.push({ promise: P19, fault, times, outcome, detail });

let db: Firestore;
let standin: Standin;
let openai: BatchProvider;
let anthropic: BatchProvider;
let resumed: string[];

const OPENAI_MINI: ModelRoute = { provider: "openai", model: "gpt-4o-mini", base_url: "http://127.0.0.1:9/v1" };
const OPENAI_BIG: ModelRoute = { provider: "openai", model: "gpt-4o", base_url: "http://127.0.0.1:9/v1" };
const CLAUDE: ModelRoute = { provider: "anthropic", model: "claude-haiku-5-5" };
const FAST: CollectorSettings = { groupWindowSeconds: 0, maxSubmissions: 3, pollSeconds: 0, responseTtlDays: 30 };

beforeAll(async () => {
  requireEmulator();
  standin = await startStandin({ batchTurnaroundMs: 60 });
  openai = createOpenAiBatchProvider({
    endpoint: { baseUrl: `${standin.url}/v1`, apiKey: "sk-test-1234567890", keyName: "OPENAI_API_KEY" },
  });
  anthropic = createAnthropicBatchProvider({ apiKey: "sk-ant-test-1234567890", baseUrl: standin.url });
  db = await getDb();
});
beforeEach(async () => {
  // The collector works on every open request and job: each scenario starts with none.
  await Promise.all([COLLECTIONS.batchRequests, COLLECTIONS.vendorJobs].map((name) => db.recursiveDelete(db.collection(name))));
  standin.reset();
  standin.configure({ batchTurnaroundMs: 60, batchStuck: false, batchExpire: false, batchPartial: 0, faults: {}, script: [], seed: 7 });
  resumed = [];
});
afterAll(async () => {
  const dir = process.env.RELIABILITY_RESULTS_DIR;
  if (dir) writeResultRows(dir, "provider-batch-collector.test.ts", rows);
  await standin?.close();
});

function deps(settings: Partial<CollectorSettings> = {}, wrap: (p: BatchProvider) => BatchProvider = (p) => p): CollectorDeps {
  return {
    db,
    providers: (route) => (route.provider === "openai" ? wrap(openai) : route.provider === "anthropic" ? wrap(anthropic) : undefined),
    resume: (taskDocId, key) => {
      resumed.push(`${taskDocId}|${key}`);
      return Promise.resolve();
    },
    settings: { ...FAST, ...settings },
  };
}

/** Writes batch_requests/{key} as the park does: queued, its waiters, no submission yet. Returns the key. */
async function park(route: ModelRoute, prompt: string, waiters: string[], owner: string | null = "owner-a"): Promise<string> {
  const request = { system_prompt: "Be brief.", user_prompt: prompt, generation_config: {} };
  const key = responseKey({
    ownerUid: owner ?? undefined,
    route,
    systemPrompt: request.system_prompt,
    userPrompt: prompt,
    generationConfig: {},
    sample: 0,
    occurrence: 0,
  });
  const at = Timestamp.now();
  await db.doc(`${COLLECTIONS.batchRequests}/${key}`).create({
    state: "queued",
    owner_uid: owner,
    provider: route.provider,
    model: route.model,
    route,
    request,
    waiters,
    submissions: 0,
    created_at: at,
    queued_at: at,
    updated_at: at,
  });
  return key;
}

const requestDoc = async (key: string) => (await db.doc(`${COLLECTIONS.batchRequests}/${key}`).get()).data() as Doc;
const vendorJobs = async (): Promise<Doc[]> =>
  (await db.collection(COLLECTIONS.vendorJobs).get()).docs.map((d) => ({ id: d.id, ...d.data() }));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Rounds until nothing is open (or `rounds` ran), a little apart so that the stand-in's jobs end. */
async function untilClosed(d: CollectorDeps, rounds = 60): Promise<CollectorRound[]> {
  const seen: CollectorRound[] = [];
  for (let i = 0; i < rounds; i++) {
    const round = await collectProviderBatches(d, Date.now());
    seen.push(round);
    if (!round.open) return seen;
    await sleep(40);
  }
  throw new Error(`still open after ${rounds} rounds: ${JSON.stringify(await vendorJobs())}`);
}

const countBy = (items: string[]) => items.reduce((m, item) => m.set(item, (m.get(item) ?? 0) + 1), new Map<string, number>());

describe("promise 19 provider batch: grouped, answered by key", () => {
  it("promise 19 provider batch: requests are grouped into one vendor job per provider and model, and each answer is stored by key", async () => {
    const keys = {
      mini: await Promise.all([1, 2, 3].map((n) => park(OPENAI_MINI, `${uniqueId("mini")} ${n}`, [`task-mini-${n}`]))),
      big: await Promise.all([1, 2].map((n) => park(OPENAI_BIG, `${uniqueId("big")} ${n}`, [`task-big-${n}`]))),
      claude: await Promise.all([1, 2].map((n) => park(CLAUDE, `${uniqueId("claude")} ${n}`, [`task-claude-${n}`, `task-other-${n}`]))),
    };
    await untilClosed(deps());
    const jobs = await vendorJobs();
    const all = [...keys.mini, ...keys.big, ...keys.claude];
    const states = await Promise.all(all.map(async (key) => (await requestDoc(key)).state));
    const responses = await Promise.all(all.map(async (key) => (await db.doc(`${COLLECTIONS.responses}/${key}`).get()).data() as Doc));
    const ok = jobs.length === 3 && states.every((s) => s === "answered") && standin.stats().batchJobs === 3;
    record("7 requests of 3 provider+model groups", 1, ok ? "survived" : "lost", `${jobs.length} vendor jobs, states ${states.join(",")}`);
    expect(
      jobs.map((j) => `${j.provider as string}/${j.model as string}:${(j.keys as string[]).length}:${j.state as string}`).sort(),
    ).toEqual(["anthropic/claude-haiku-5-5:2:ended", "openai/gpt-4o-mini:3:ended", "openai/gpt-4o:2:ended"]);
    expect(standin.stats()).toMatchObject({ batchJobs: 3, batchRequests: 7 });
    expect(states.every((s) => s === "answered")).toBe(true);
    for (const [n, response] of responses.entries()) {
      expect(response).toMatchObject({ owner_uid: "owner-a", billing: "batch", finish_reason: "STOP" });
      expect(typeof response.text).toBe("string");
      expect(response.stored_at).toBeInstanceOf(Timestamp);
      // The answer is the one to this key's prompt (the stand-in's answer names it), not to another's in the job.
      const doc = await requestDoc(all[n]!);
      expect(standin.requests().some((r) => r.userPrompt === (doc.request as { user_prompt: string }).user_prompt)).toBe(true);
    }
    const expected = [
      ...keys.mini.map((key, i) => `task-mini-${i + 1}|${key}`),
      ...keys.big.map((key, i) => `task-big-${i + 1}|${key}`),
      ...keys.claude.flatMap((key, i) => [`task-claude-${i + 1}|${key}`, `task-other-${i + 1}|${key}`]),
    ];
    expect([...resumed].sort()).toEqual(expected.sort());
  });

  it("promise 19 provider batch: a model without batch mode fails its requests with what to do, and resumes their waiters", async () => {
    const vertex = { provider: "vertex", model: "gemini-2.5-flash", location: "us-central1" } as unknown as ModelRoute;
    const key = await park(vertex, uniqueId("vertex"), ["task-v"]);
    await untilClosed(deps());
    const doc = await requestDoc(key);
    record("a provider without batch mode", 1, doc.state === "failed" ? "failed clearly" : "lost", JSON.stringify(doc.error));
    expect(doc).toMatchObject({ state: "failed", error: { code: "config_error", retryable: false } });
    expect((doc.error as { message: string }).message).toMatch(/has no batch mode.*without "execution": "provider_batch"/);
    expect(resumed).toEqual([`task-v|${key}`]);
  });
});

/** An adapter whose create call reaches the vendor and then loses its answer (a timeout, or the round dying there). */
const createThenLose = (provider: BatchProvider): BatchProvider => ({
  ...provider,
  requestBytes: (r) => provider.requestBytes(r),
  submit: async (model, requests, displayName) => {
    await provider.submit(model, requests, displayName);
    throw new ModelCallError("no answer to the create call in time [test: the vendor created the job]", "timeout");
  },
});

describe("promise 19 provider batch: a crash between the vendor's create and recording its name", () => {
  for (const route of [OPENAI_MINI, CLAUDE]) {
    it(`promise 19 provider batch: ${route.provider}: the next round finds the job and submits nothing twice`, async () => {
      const keys = await Promise.all([1, 2].map((n) => park(route, `${uniqueId("crash")} ${n}`, [`task-crash-${n}`])));
      const first = await collectProviderBatches(deps({}, createThenLose), Date.now());
      const [intent] = await vendorJobs();
      expect(first).toMatchObject({ created: 1, open: true });
      expect(intent).toMatchObject({ state: "intent" });
      expect(intent!.name).toBeUndefined();
      // Later rounds, past the take-over time: find by display name (Claude: by keys and time, once the job ended).
      await untilClosed(deps({ takeOverAfterSeconds: 0 }));
      const jobs = await vendorJobs();
      const states = await Promise.all(keys.map(async (key) => (await requestDoc(key)).state));
      const ok = standin.stats().batchJobs === 1 && states.every((s) => s === "answered");
      record(
        `${route.provider}: create answered, name lost`,
        1,
        ok ? "survived" : "lost",
        `${standin.stats().batchJobs} vendor jobs created`,
      );
      expect(standin.stats().batchJobs).toBe(1);
      expect(jobs).toHaveLength(1);
      expect(jobs[0]).toMatchObject({ state: "ended" });
      expect(typeof jobs[0]!.name).toBe("string");
      expect(states).toEqual(["answered", "answered"]);
      expect([...resumed].sort()).toEqual(keys.map((key, i) => `task-crash-${i + 1}|${key}`).sort());
    });
  }
});

/** An adapter whose results reading stops half-way with a retryable error (the round dying after storing half). */
const halfThenFail = (provider: BatchProvider): BatchProvider => ({
  ...provider,
  requestBytes: (r) => provider.requestBytes(r),
  results: async function* (job) {
    const all: BatchItemResult[] = [];
    for await (const item of provider.results(job)) all.push(item);
    yield* all.slice(0, Math.ceil(all.length / 2));
    throw new ModelCallError("connection reset while reading results [test]", "network");
  },
});

describe("promise 19 provider batch: duplicate delivery", () => {
  it("promise 19 provider batch: two rounds at once, a round stopped half-way and a round run again: one vendor job, each answer stored once, each waiter resumed once", async () => {
    const keys = await Promise.all([1, 2, 3, 4].map((n) => park(OPENAI_MINI, `${uniqueId("dup")} ${n}`, [`task-dup-${n}`])));
    // A turnaround longer than the two rounds take, so that neither reads the results.
    standin.configure({ batchTurnaroundMs: 2_000 });
    await Promise.all([collectProviderBatches(deps(), Date.now()), collectProviderBatches(deps(), Date.now())]);
    expect(standin.stats().batchJobs).toBe(1);
    expect(resumed).toEqual([]);
    await sleep(2_100);
    // Stops after half the results: those are stored and resumed, the rest wait for the next reading.
    await collectProviderBatches(deps({}, halfThenFail), Date.now());
    const half = await Promise.all(keys.map(async (key) => (await requestDoc(key)).state));
    expect(half.filter((s) => s === "answered")).toHaveLength(2);
    expect(resumed).toHaveLength(2);
    for (let i = 0; i < 20 && (await vendorJobs())[0]?.state !== "ended"; i++)
      await Promise.all([collectProviderBatches(deps(), Date.now()), collectProviderBatches(deps(), Date.now())]);
    const stored = await Promise.all(keys.map((key) => db.doc(`${COLLECTIONS.responses}/${key}`).get()));
    // The job read again from the start, as a redelivered round would: nothing changes, no one is resumed again.
    const [job] = await vendorJobs();
    await db.doc(`${COLLECTIONS.vendorJobs}/${job!.id as string}`).update({ state: "submitted" });
    await untilClosed(deps());
    const again = await Promise.all(keys.map((key) => db.doc(`${COLLECTIONS.responses}/${key}`).get()));
    const counts = countBy(resumed);
    const ok = standin.stats().batchJobs === 1 && resumed.length === 4 && [...counts.values()].every((n) => n === 1);
    record("rounds at once, stopped half-way, run again", 3, ok ? "survived" : "lost", `${resumed.length} resumes for 4 waiters`);
    expect(standin.stats()).toMatchObject({ batchJobs: 1, batchRequests: 4 });
    expect([...resumed].sort()).toEqual(keys.map((key, i) => `task-dup-${i + 1}|${key}`).sort());
    for (const [i, snap] of again.entries()) {
      expect(snap.data()).toEqual(stored[i]!.data());
      expect(snap.updateTime?.isEqual(stored[i]!.updateTime!)).toBe(true);
      expect(snap.get("stored_at")).toEqual(job!.results_at);
    }
  });
});

describe("promise 19 provider batch: what a vendor job did not run", () => {
  it("promise 19 provider batch: an expired job's requests are queued again and answered by a second vendor job", async () => {
    standin.configure({ batchExpire: true });
    const keys = await Promise.all([1, 2].map((n) => park(CLAUDE, `${uniqueId("expire")} ${n}`, [`task-exp-${n}`])));
    const requeued = async () => (await Promise.all(keys.map(requestDoc))).every((d) => d.state === "queued" && d.submissions === 1);
    for (let i = 0; i < 30 && !(await requeued()); i++) {
      await collectProviderBatches(deps(), Date.now());
      await sleep(40);
    }
    expect(await requeued()).toBe(true);
    expect(resumed).toEqual([]);
    standin.configure({ batchExpire: false });
    await untilClosed(deps());
    const docs = await Promise.all(keys.map(requestDoc));
    const jobs = await vendorJobs();
    const ok = docs.every((d) => d.state === "answered") && jobs.length === 2;
    record(
      "vendor job expired",
      1,
      ok ? "survived" : "lost",
      `${jobs.length} vendor jobs, submissions ${docs.map((d) => d.submissions as number).join(",")}`,
    );
    expect(docs.map((d) => [d.state, d.submissions])).toEqual([
      ["answered", 2],
      ["answered", 2],
    ]);
    expect(jobs.map((j) => j.state)).toEqual(["ended", "ended"]);
    expect(resumed.sort()).toEqual(keys.map((key, i) => `task-exp-${i + 1}|${key}`).sort());
  });

  it("promise 19 provider batch: requests a job dropped (partial results) are sent again; the others are answered once", async () => {
    standin.configure({ batchPartial: 0.5 });
    const keys = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => park(OPENAI_MINI, `${uniqueId("partial")} ${n}`, [`task-p-${n}`])));
    // The first job ends (dropping about half) before the knob is turned off for the second.
    for (let i = 0; i < 30 && !(await vendorJobs()).some((job) => job.state === "ended"); i++) {
      await collectProviderBatches(deps(), Date.now());
      await sleep(40);
    }
    standin.configure({ batchPartial: 0 });
    await untilClosed(deps());
    const docs = await Promise.all(keys.map(requestDoc));
    const resent = docs.filter((d) => d.submissions === 2).length;
    const ok = docs.every((d) => d.state === "answered") && resent > 0 && standin.stats().batchRequests === 6;
    record("partial results", 1, ok ? "survived" : "lost", `${resent} of 6 sent again, ${standin.stats().batchJobs} vendor jobs`);
    expect(resent).toBeGreaterThan(0);
    expect(docs.every((d) => d.state === "answered")).toBe(true);
    // Each request ran once at the vendor: the dropped ones only in the second job.
    expect(standin.stats()).toMatchObject({ batchJobs: 2, batchRequests: 6 });
    expect(countBy(resumed).size).toBe(6);
    expect(resumed).toHaveLength(6);
  });
});

describe("promise 19 provider batch: per-request errors", () => {
  it("promise 19 provider batch: a 400 fails its request with the vendor's reason and resumes its waiters; the others are answered", async () => {
    standin.configure({ script: ["400"] });
    const keys = await Promise.all([1, 2].map((n) => park(OPENAI_MINI, `${uniqueId("bad")} ${n}`, [`task-b-${n}`])));
    await untilClosed(deps());
    const docs = await Promise.all(keys.map(requestDoc));
    const failed = docs.filter((d) => d.state === "failed");
    record("a request answered 400", 1, failed.length === 1 ? "failed clearly" : "lost", JSON.stringify(failed[0]?.error));
    expect(failed).toHaveLength(1);
    expect(failed[0]!.error).toMatchObject({ code: "model_error", status: 400, retryable: false });
    expect((failed[0]!.error as { message: string }).message).toMatch(/400/);
    expect(docs.filter((d) => d.state === "answered")).toHaveLength(1);
    expect(standin.stats().batchJobs).toBe(1);
    expect(resumed.sort()).toEqual(keys.map((key, i) => `task-b-${i + 1}|${key}`).sort());
  });

  it("promise 19 provider batch: a retryable error is sent again until BATCH_MAX_SUBMISSIONS, then fails with the vendor's reason", async () => {
    standin.configure({ script: ["503", "503"] });
    const key = await park(OPENAI_MINI, uniqueId("busy"), ["task-busy"]);
    await untilClosed(deps({ maxSubmissions: 2 }));
    const doc = await requestDoc(key);
    record("503 at every submission, limit 2", 2, doc.state === "failed" ? "failed clearly" : "lost", JSON.stringify(doc.error));
    expect(doc).toMatchObject({ state: "failed", submissions: 2, error: { code: "model_error", status: 503, retryable: false } });
    expect((doc.error as { message: string }).message).toMatch(/sent in 2 vendor batch jobs.*BATCH_MAX_SUBMISSIONS \(2\)/);
    expect(standin.stats()).toMatchObject({ batchJobs: 2, batchRequests: 2 });
    expect(resumed).toEqual([`task-busy|${key}`]);
  });
});

describe("promise 19 provider batch: a job stuck pending, cancelled", () => {
  it("promise 19 provider batch: a stuck job stays open until its waiters are cancelled; then it is cancelled at the vendor and nothing is sent again", async () => {
    standin.configure({ batchStuck: true });
    const keys = await Promise.all([1, 2].map((n) => park(CLAUDE, `${uniqueId("stuck")} ${n}`, [`task-s-${n}`])));
    for (let i = 0; i < 5; i++) {
      expect((await collectProviderBatches(deps(), Date.now())).open).toBe(true);
      await sleep(40);
    }
    const [job] = await vendorJobs();
    expect(job).toMatchObject({ state: "submitted" });
    const cancelled = await cancelVendorJobsOf(deps(), keys, Date.now());
    await untilClosed(deps());
    const docs = await Promise.all(keys.map(requestDoc));
    const [ended] = await vendorJobs();
    const ok = cancelled.length === 1 && docs.every((d) => d.state === "failed") && standin.stats().batchJobs === 1;
    record("vendor job stuck pending, waiters cancelled", 1, ok ? "failed clearly" : "lost", `vendor job ${ended?.vendor_state as string}`);
    expect(cancelled).toEqual([job!.id]);
    expect(docs.map((d) => (d.error as { code: string }).code)).toEqual(["cancelled", "cancelled"]);
    expect(ended).toMatchObject({ state: "ended" });
    expect(standin.stats()).toMatchObject({ batchJobs: 1, batchRequests: 0 });
  });
});
