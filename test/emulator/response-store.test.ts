// Promise 19, the response store: every model answer is kept by the key of what was asked, and a job or batch with
// `cache` on takes it instead of paying again. Driven through the real bodies of the deployed functions (submitJob,
// startJob, runTask, admitBatchRow) and the batch retry against the Firestore emulator and the Gemini stand-in, whose
// request log counts what was paid. Each scenario adds a row to reliability.json in RELIABILITY_RESULTS_DIR (when set),
// recorded before its assertions.
import { Timestamp, type Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { onSubmitJob } from "../../functions/src/submit-job-body";
import { onBatchRowDispatched } from "../../functions/src/trigger-bodies";
import { encodeDispatch } from "../../shared/batch/dispatch-wire";
import { submitUserBatch } from "../../shared/batch/submit-user-batch";
import { startJobRun } from "../../shared/pipeline/start-job-run";
import { getDb } from "../../shared/pipeline/firestore";
import { DEFAULT_VALIDATION } from "../../shared/validation/validate-config";
import { retryBatch } from "../../local/batch/retry-batch";
import { startStandin, type Standin } from "../../local/standin/standin-server";
import { verifiedCaller } from "../support/callers";
import { fakeQueue } from "../support/fake-queue";
import { readDoc, requireEmulator, uniqueId } from "../support/firestore-test-env";
import { runJobThroughTriggers } from "../support/run-job";
import { writeResultRows } from "../support/reliability-rows";
import { modelStep, oneStepTask } from "../support/sample-configs";

type Doc = Record<string, unknown>;
type Outcome = "survived" | "failed clearly" | "lost";
const P19 = "19 response store";
const rows: { promise: string; fault: string; times: number; outcome: Outcome; detail: string }[] = [];
const record = (fault: string, times: number, outcome: Outcome, detail: string) =>
  rows.push({ promise: P19, fault, times, outcome, detail });

let db: Firestore;
let standin: Standin;
type StepDoc = {
  step_id: string;
  status: string;
  cached?: boolean;
  usage: { total_tokens: number };
  cost?: { usd: number };
  response: string;
};
/** Model calls the stand-in was paid for whose prompt holds `marker`. */
const paid = (marker: string) => standin.requests().filter((r) => r.userPrompt.includes(marker)).length;

beforeAll(async () => {
  requireEmulator();
  standin = await startStandin();
  process.env.GEMINI_BASE_URL = standin.url;
  for (const name of ["GEMINI_API_KEY", "LLM_MODEL_TABLE", "MAX_RUNNING_JOBS_PER_USER", "SUBMITTERS"]) delete process.env[name];
  Object.assign(process.env, { RETRY_BASE_DELAY_MS: "5", RETRY_MAX_DELAY_MS: "20" });
  vi.spyOn(logger, "info").mockImplementation(() => undefined);
  db = await getDb();
});
beforeEach(() => standin.configure({ latencyMs: 0, rpm: 0, faults: {}, script: [], retryDelayMs: 100 }));
afterAll(async () => {
  const dir = process.env.RELIABILITY_RESULTS_DIR;
  if (dir) writeResultRows(dir, "response-store.test.ts", rows);
  await standin?.close();
});

/** The startJob trigger, then the runTask trigger for each task of the chain, until the job ends. */
const runJob = (jobId: string) => runJobThroughTriggers(db, jobId);

/** Starts the ended job again (as `npm run start-job` does) and runs it to its end. */
async function startAgain(jobId: string): Promise<Doc | undefined> {
  const started = await startJobRun({ db, validation: DEFAULT_VALIDATION }, jobId, { fromStatuses: ["success", "failed"] });
  if (started.kind !== "started") throw new Error(`not started: ${JSON.stringify(started)}`);
  return runJob(jobId);
}

const stepsOf = async (job: Doc | undefined) =>
  ((await readDoc(db, `outputs/${String(job?.current_task_doc_id)}`))?.steps ?? []) as StepDoc[];

/**
 * One task of four steps: alpha reads the topic, beta reads alpha's answer, gamma reads beta's, delta reads alpha's.
 * `beta` is the prompt of the second step, so that a test can change it.
 */
function fourStepJob(marker: string, beta: string, cache: boolean): Doc {
  return {
    cache,
    task_config: {
      task_id: "four",
      input_config: { payload: { topic: "owls" } },
      steps: [
        modelStep("alpha", `alpha ${marker} %topic%`, { topic: "" }, { a: "" }),
        modelStep("beta", `${beta} ${marker} %a%`, { a: "" }, { b: "" }),
        modelStep("gamma", `gamma ${marker} %b%`, { b: "" }, { c: "" }),
        modelStep("delta", `delta ${marker} %a%`, { a: "" }, { d: "" }),
      ],
      output_config: { payload: { c: "", d: "" } },
      next_task: "",
    },
  };
}

async function submitAs(uid: string, job: Doc): Promise<string> {
  return (await onSubmitJob(verifiedCaller(uid), { job })).job_id;
}

describe("promise 19: a rerun with cache pays only for what changed", () => {
  it("promise 19: a job with cache started again pays for nothing; its steps say cached, with no usage and no cost", async () => {
    const marker = uniqueId("again");
    const jobId = await submitAs(uniqueId("owner"), fourStepJob(marker, "beta", true));
    const first = await runJob(jobId);
    const paidFirst = paid(marker);
    const firstSteps = await stepsOf(first);
    const second = await startAgain(jobId);
    const steps = await stepsOf(second);
    const paidAgain = paid(marker) - paidFirst;
    const held =
      first?.status === "success" &&
      second?.status === "success" &&
      paidFirst === 4 &&
      paidAgain === 0 &&
      steps.every((s) => s.cached === true && s.usage.total_tokens === 0 && s.cost?.usd === 0);
    record(
      "a job with cache: true started again unchanged",
      1,
      held ? "survived" : "lost",
      `first run paid ${paidFirst} calls, the second ${paidAgain}; second run's steps cached: ${steps.map((s) => s.cached).join(", ")}`,
    );
    expect(paidFirst).toBe(4);
    expect(paidAgain).toBe(0);
    expect(steps.map((s) => s.cached)).toEqual([true, true, true, true]);
    expect(steps.map((s) => s.response)).toEqual(firstSteps.map((s) => s.response));
    expect(steps.every((s) => s.usage.total_tokens === 0 && s.cost?.usd === 0)).toBe(true);
    expect(second?.output_payload).toEqual(first?.output_payload);
  });

  it("promise 19: a job started again with its second step changed pays for that step and the one that reads its answer, nothing else", async () => {
    const marker = uniqueId("changed");
    const jobId = await submitAs(uniqueId("owner"), fourStepJob(marker, "beta", true));
    await runJob(jobId);
    const before = standin.requests().length;
    await db.doc(`jobs/${jobId}`).update(fourStepJob(marker, "BETA", true));
    const job = await startAgain(jobId);
    const steps = await stepsOf(job);
    const repaid = standin
      .requests()
      .slice(before)
      .map((r) => r.userPrompt.split(" ")[0]);
    const held = job?.status === "success" && repaid.join() === "BETA,gamma";
    record(
      "a job started again with one step's prompt changed (beta), a later step reading its answer (gamma) and one not (delta)",
      1,
      held ? "survived" : "lost",
      `re-paid: ${repaid.join(", ") || "none"}; cached: ${steps.map((s) => `${s.step_id}=${s.cached === true}`).join(", ")}`,
    );
    expect(repaid).toEqual(["BETA", "gamma"]);
    expect(steps.map((s) => s.cached === true)).toEqual([true, false, false, true]);
  });

  it("promise 19: a job without cache (the default for jobs) pays again and keeps nothing; with cache, its first run pays and keeps, the next takes", async () => {
    const marker = uniqueId("nocache");
    const jobId = await submitAs(uniqueId("owner"), oneStepJob(marker));
    await runJob(jobId);
    await startAgain(jobId);
    const paidWithout = paid(marker);
    const keptWithout = (await db.collection("responses").where("model", "!=", "").get()).docs.filter((d) =>
      String(d.get("text")).includes(marker),
    ).length;
    await db.doc(`jobs/${jobId}`).update({ cache: true });
    await startAgain(jobId);
    const cachedRun = await startAgain(jobId);
    const steps = await stepsOf(cachedRun);
    record(
      "a job without cache started again twice, then with cache twice",
      1,
      paidWithout === 2 && keptWithout === 0 && paid(marker) === 3 && steps[0]?.cached === true ? "survived" : "lost",
      `paid ${paidWithout} calls without cache over two runs (${keptWithout} answers kept), ${paid(marker) - paidWithout} with cache over two`,
    );
    expect(paidWithout).toBe(2);
    expect(keptWithout).toBe(0);
    expect(paid(marker)).toBe(3);
    expect(steps[0]?.cached).toBe(true);
  });
});

function oneStepJob(marker: string, cache?: boolean): Doc {
  return { ...(cache === undefined ? {} : { cache }), task_config: oneStepTask("one", `ask ${marker}`) };
}

describe("promise 19: stored answers belong to their owner and expire", () => {
  it("promise 19: another user asking the very same with cache on is never served the first user's answer: they pay for their own", async () => {
    const marker = uniqueId("owners");
    const jobA = await submitAs(uniqueId("alice"), oneStepJob(marker, true));
    const jobB = await submitAs(uniqueId("bob"), oneStepJob(marker, true));
    await runJob(jobA);
    const b = await runJob(jobB);
    const steps = await stepsOf(b);
    const held = paid(marker) === 2 && steps[0]?.cached !== true;
    record(
      "user B submits the same job as user A, with cache on",
      1,
      held ? "survived" : "lost",
      `paid ${paid(marker)} calls for the two users; B's step cached: ${steps[0]?.cached === true}`,
    );
    expect(paid(marker)).toBe(2);
    expect(steps[0]?.cached).not.toBe(true);
  });

  it("promise 19: an answer past its expires_at is not taken (Firestore's TTL deletes it later), and the rerun pays", async () => {
    const marker = uniqueId("expired");
    const jobId = await submitAs(uniqueId("owner"), oneStepJob(marker, true));
    await runJob(jobId);
    const stored = await db.collection("responses").where("provider", "==", "gemini").get();
    const mine = stored.docs.filter((d) => String(d.get("text")).includes(marker));
    expect(mine).toHaveLength(1);
    expect(mine[0]!.get("expires_at")).toBeInstanceOf(Timestamp);
    await mine[0]!.ref.update({ expires_at: Timestamp.fromMillis(Date.now() - 1000) });
    const job = await startAgain(jobId);
    const steps = await stepsOf(job);
    record("a stored answer past its expiry", 1, paid(marker) === 2 ? "survived" : "lost", `paid ${paid(marker)} calls over two runs`);
    expect(paid(marker)).toBe(2);
    expect(steps[0]?.cached).not.toBe(true);
  });

  it("promise 19: an answer longer than a piece is stored in pieces and taken back whole", async () => {
    const marker = uniqueId("long");
    const long = `${marker} ${"x".repeat(600_000)}`;
    const jobId = await submitAs(uniqueId("owner"), oneStepJob(marker, true));
    standin.configure({ script: [{ text: long }] });
    await runJob(jobId);
    const job = await startAgain(jobId);
    const payload = (await readDoc(db, `outputs/${String(job?.current_task_doc_id)}`))?.output_payload as { answer?: string } | undefined;
    const steps = await stepsOf(job);
    record(
      "an answer of 600,000 characters, then a cache rerun",
      1,
      paid(marker) === 1 && steps[0]?.cached === true && payload?.answer === long ? "survived" : "lost",
      `paid ${paid(marker)} call; the rerun's answer has ${payload?.answer?.length ?? 0} characters`,
    );
    expect(paid(marker)).toBe(1);
    expect(steps[0]?.cached).toBe(true);
    expect(payload?.answer).toBe(long);
  });
});

describe("promise 19: a batch's retry pays only for its failed runs' unanswered steps; repeats stay samples", () => {
  /** Dispatches every queued row (the admission queue's body), then runs each admitted job to its end. */
  async function runQueued(queue: ReturnType<typeof fakeQueue>): Promise<void> {
    const dispatches = [...queue.tasks.values()];
    queue.tasks.clear();
    for (const dispatch of dispatches) await onBatchRowDispatched(encodeDispatch(dispatch), queue.enqueue);
    const batchIds = new Set(dispatches.map((d) => d.batch_id));
    for (const batchId of batchIds) {
      const jobs = await db.collection("jobs").where("batch_id", "==", batchId).where("status", "in", ["queued", "running"]).get();
      for (const job of jobs.docs) await runJob(job.id);
    }
  }

  it("promise 19: rows whose second task failed are retried paying only for that task; repeats are two samples each", async () => {
    const marker = uniqueId("retry");
    const owner = uniqueId("owner");
    const queue = fakeQueue();
    const job = {
      task_config: oneStepTask("first", `first ${marker} %n%`, { n: "" }, "second", "a"),
      task_configs: [oneStepTask("second", `second ${marker} %a%`, { a: "" }, "", "b")],
    };
    const created = await submitUserBatch({ db, validation: DEFAULT_VALIDATION, enqueue: queue.enqueue }, owner, {
      batch: { batch_id: uniqueId("cache-batch"), job, grid: { n: ["1", "2"] }, repeats: 2 },
    });
    if (created.kind !== "created") throw new Error(JSON.stringify(created));
    // Each run pays its first task, then its second: the second call of the batch (run 0's second task) fails for good.
    standin.configure({ script: ["ok", "400"] });
    await runQueued(queue);
    const paidFirst = { first: prompts(marker, "first"), second: prompts(marker, "second") };
    const retried = await retryBatch({ db, enqueue: queue.enqueue }, created.batchId);
    await runQueued(queue);
    const paidRetry = { first: prompts(marker, "first") - paidFirst.first, second: prompts(marker, "second") - paidFirst.second };
    const statuses = (await db.collection("jobs").where("batch_id", "==", created.batchId).get()).docs.map(
      (d) => d.get("status") as string,
    );
    const held =
      retried.kind === "retried" &&
      retried.runs === 1 &&
      paidFirst.first === 4 &&
      paidRetry.first === 0 &&
      paidRetry.second === 1 &&
      statuses.every((s) => s === "success");
    record(
      "a batch of 2 rows x 2 repeats (cache on by default) whose one run failed in its second task, retried",
      1,
      held ? "survived" : "lost",
      `first pass paid ${paidFirst.first} first-task calls (4 runs, repeats apart) and ${paidFirst.second} second; the retry paid ${paidRetry.first} first-task and ${paidRetry.second} second-task calls; runs: ${statuses.join(", ")}`,
    );
    expect(paidFirst.first).toBe(4);
    expect(retried).toEqual({ kind: "retried", runs: 1 });
    expect(paidRetry).toEqual({ first: 0, second: 1 });
    expect(statuses).toEqual(["success", "success", "success", "success"]);
  });
});

const prompts = (marker: string, prefix: string) =>
  standin.requests().filter((r) => r.userPrompt.startsWith(`${prefix} `) && r.userPrompt.includes(marker)).length;
