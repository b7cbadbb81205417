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
const vendorJobs = async () => (await db.collection(COLLECTIONS.vendorJobs).get()).docs.map((d) => ({ id: d.id, ...d.data() }) as Doc);
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
