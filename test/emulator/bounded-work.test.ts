// Promise 14 (issue 18 §1): nothing a user writes can hold an instance. Each attack goes through the real trigger
// body (onTaskCreated, onJobCreated) or callable body (onSubmitJob, onSubmitBatch) against the Firestore emulator, and
// adds a row to reliability.json in RELIABILITY_RESULTS_DIR (when set), recorded before its assertions.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { onJobCreated, onTaskCreated } from "../../functions/src/trigger-bodies";
import { onSubmitBatch } from "../../functions/src/submit-batch-body";
import { onSubmitJob } from "../../functions/src/submit-job-body";
import { getDb } from "../../shared/pipeline/firestore";
import { LIMITS } from "../../shared/limits";
import { startStandin, type Standin } from "../../local/standin/standin-server";
import { readDoc, requireEmulator, uniqueId } from "../support/firestore-test-env";
import { writeResultRows } from "../support/reliability-rows";
import { verifiedCaller } from "../support/callers";

type Doc = Record<string, unknown>;
type Outcome = "survived" | "failed clearly" | "lost";
const P14 = "14 bounded work";
const rows: { promise: string; fault: string; times: number; outcome: Outcome; detail: string }[] = [];
const record = (fault: string, outcome: Outcome, detail: string) => rows.push({ promise: P14, fault, times: 1, outcome, detail });

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TRIGGER_CHILD = join("test", "support", "trigger-child.ts");
/** How long the child may take: tsx and firebase-admin load in seconds; a regex backtracking 2^40 steps takes hours. */
const CHILD_DEADLINE_MS = 90_000;

let db: Firestore;
let standin: Standin;
const saved = { ...process.env };
const errorOf = (doc: Doc | undefined) => doc?.error as { code?: string; message?: string; step_id?: string } | undefined;

beforeAll(async () => {
  requireEmulator();
  standin = await startStandin();
  // The trigger and callable bodies build their dependencies on their first call, from this environment: the limits'
  // defaults (none of their variables set), the in-process stand-in, short retries.
  for (const spec of Object.values(LIMITS)) delete process.env[spec.env];
  delete process.env.GEMINI_API_KEY;
  Object.assign(process.env, { GEMINI_BASE_URL: standin.url, RETRY_BASE_DELAY_MS: "5", RETRY_MAX_DELAY_MS: "20", RETRY_MAX_ATTEMPTS: "2" });
  vi.spyOn(logger, "info").mockImplementation(() => undefined);
  vi.spyOn(logger, "warn").mockImplementation(() => undefined);
  db = await getDb();
});
afterAll(async () => {
  const dir = process.env.RELIABILITY_RESULTS_DIR;
  if (dir) writeResultRows(dir, "bounded-work.test.ts", rows);
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
  await standin?.close();
});

const eventOf = async (id: string) => {
  const snap = await db.doc(`tasks/${id}`).get();
  return { data: snap.data()!, updateTime: snap.updateTime! };
};
/** Delivers the created-event of tasks/{id} to the trigger body, as the runTask function does. */
async function deliver(id: string): Promise<number> {
  const started = performance.now();
  await onTaskCreated(id, new Date().toISOString(), await eventOf(id));
  return performance.now() - started;
}
const bareTask = (task: Doc) => ({ ...task, status: "queued", attempts: 0, hop: 1 });

const logStep = (id: string, request: string, inputs: Doc = {}, outputs: Doc = {}, extract?: Doc) => ({
  id,
  name: id,
  step_type: 1,
  input_config: { payload: inputs },
  function_call_config: { function_name: "firestore_log", request },
  output_config: { payload: outputs, ...(extract ? { extract } : {}) },
});
const modelStep = (id: string, prompt: string, inputs: Doc, outputs: Doc, extract?: Doc) => ({
  id,
  name: id,
  step_type: 0,
  input_config: { payload: inputs },
  model_query_config: { model_key: "GEMINI_FLASH", user_prompt: prompt },
  output_config: { payload: outputs, ...(extract ? { extract } : {}) },
});

/** Runs the child that delivers tasks/{id} through onTaskCreated; kills it at the deadline. */
async function deliverInChild(
  id: string,
): Promise<{ finished: boolean; output: string; line?: { elapsedMs: number; maxEventLoopDelayMs: number } }> {
  const child = spawn(process.execPath, ["--import", "tsx", TRIGGER_CHILD, id], {
    cwd: ROOT,
    env: process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const deadline = setTimeout(() => child.kill("SIGKILL"), CHILD_DEADLINE_MS);
  const signal = await new Promise<NodeJS.Signals | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (_code, sig) => resolve(sig));
  });
  clearTimeout(deadline);
  const last = output.trim().split("\n").pop() ?? "";
  if (signal === "SIGKILL" || !last.startsWith("{")) return { finished: false, output };
  return { finished: true, output, line: JSON.parse(last) as { elapsedMs: number; maxEventLoopDelayMs: number } };
}

/** The HttpsError a callable body threw, or undefined when it answered. */
async function refusal(call: () => Promise<unknown>): Promise<{ code: string | undefined; message: string; ms: number } | undefined> {
  const started = performance.now();
  try {
    await call();
    return undefined;
  } catch (err) {
    return { code: (err as { code?: string }).code, message: (err as Error).message, ms: performance.now() - started };
  }
}

describe("promise 14: extraction rules cannot hold the event loop", () => {
  it('promise 14: {"regex": "(a+)+$"} on a firestore_log result holding 40 a\'s and a "!" ends the task at once, the event loop free', async () => {
    const id = uniqueId("redos");
    const collection = uniqueId("ReDoS");
    const request = JSON.stringify({ collection, document_id: `${"a".repeat(40)}!`, data: { note: "the result names this id" } });
    const task = { task_id: "redos", steps: [logStep("log", request, {}, { result: "" }, { result: { regex: "(a+)+$" } })] };
    await db.doc(`tasks/${id}`).set(bareTask(task));
    const run = await deliverInChild(id);
    const doc = await readDoc(db, `tasks/${id}`);
    const held =
      run.finished && doc?.status === "failed" && errorOf(doc)?.code === "extraction_failed" && run.line!.maxEventLoopDelayMs < 5000;
    record(
      'an extraction rule {"regex": "(a+)+$"} on a text of 40 a\'s and a "!" (a firestore_log result)',
      held ? "failed clearly" : "lost",
      run.finished
        ? `task ${String(doc?.status)} ${String(errorOf(doc)?.code)} in ${run.line!.elapsedMs} ms; the event loop was held at most ${run.line!.maxEventLoopDelayMs} ms`
        : `the trigger did not finish within ${CHILD_DEADLINE_MS / 1000} s (task ${String(doc?.status)}): the event loop was held`,
    );
    expect(run.finished, `the trigger body never returned; the child printed:\n${run.output}`).toBe(true);
    expect(doc).toMatchObject({ status: "failed", error: { code: "extraction_failed", step_id: "log" } });
    expect(errorOf(doc)?.message).toContain("the regex does not match the answer");
    expect(run.line!.maxEventLoopDelayMs).toBeLessThan(5000);
  });

  it("promise 14: an answer of 150,000 opening tags under a tag rule is scanned in linear time", async () => {
    const id = uniqueId("tags");
    const tags = "<a>".repeat(150_000);
    const task = {
      task_id: "tags",
      input_config: { payload: { tags } },
      steps: [modelStep("ask", "%tags%", { tags: "" }, { inner: "" }, { inner: { tag: "a" } })],
    };
    await db.doc(`tasks/${id}`).set(bareTask(task));
    const ms = await deliver(id);
    const doc = await readDoc(db, `tasks/${id}`);
    const output = await readDoc(db, `outputs/${id}`);
    const engineMs = Number((output?.steps as { latency_ms?: number }[] | undefined)?.[0]?.latency_ms);
    // A scan restarted at every opening tag took about a minute here; one pass takes milliseconds.
    const held = doc?.status === "failed" && errorOf(doc)?.code === "extraction_failed" && engineMs < 5000;
    record(
      "a tag rule on a model answer of 150,000 opening tags and no closing tag",
      held ? "failed clearly" : "lost",
      `task ${String(doc?.status)} ${String(errorOf(doc)?.code)}; the step took ${Math.round(engineMs)} ms, the delivery ${Math.round(ms)} ms`,
    );
    expect(doc).toMatchObject({ status: "failed", error: { code: "extraction_failed" } });
    expect(engineMs).toBeLessThan(5000);
  });
});

describe("promise 14: work per task is bounded", () => {
  /** A model step echoing a 9 KB chunk 100 times (a 900 KB row), then `logs` firestore_log steps writing it. */
  const floodTask = (taskId: string, collection: string, logs: number) => ({
    task_id: taskId,
    input_config: { payload: { chunk: "x".repeat(9000) } },
    steps: [
      modelStep("grow", "%chunk%".repeat(100), { chunk: "" }, { row: "" }),
      ...Array.from({ length: logs }, (_, i) =>
        logStep(`log-${i + 1}`, JSON.stringify({ collection, data: { row: "%row%" } }), { row: "" }, { row: "" }),
      ),
    ],
    output_config: { payload: { row: "" } },
  });
  const rowsIn = async (collection: string) => (await db.collection(collection).count().get()).data().count;

  it("promise 14: submitJob refuses a job of 1,000 firestore_log steps of 900 KB each, naming MAX_STEPS_PER_TASK", async () => {
    const jobId = uniqueId("flood-job");
    const refused = await refusal(() =>
      onSubmitJob(verifiedCaller(uniqueId("user")), { job: { job_id: jobId, task_config: floodTask("flood", "Flood", 1000) } }),
    );
    const job = await readDoc(db, `jobs/${jobId}`);
    const held = refused?.code === "invalid-argument" && refused.message.includes("over MAX_STEPS_PER_TASK (100)") && !job;
    record(
      "submitJob: a job of 1,000 firestore_log steps, each writing a 900 KB row",
      held ? "failed clearly" : "lost",
      refused ? `${refused.code}: ${refused.message.split("\n")[1] ?? refused.message}` : "accepted",
    );
    expect(refused?.code).toBe("invalid-argument");
    expect(refused?.message).toContain('task_config.steps: task "flood" has 1001 steps, over MAX_STEPS_PER_TASK (100)');
    expect(job).toBeUndefined();
  });

  it("promise 14: the same task written to tasks/ ends failed at its claim, before any row is written", async () => {
    const id = uniqueId("flood-task");
    const collection = uniqueId("Flood");
    await db.doc(`tasks/${id}`).set(bareTask(floodTask("flood", collection, 1000)));
    await deliver(id);
    const doc = await readDoc(db, `tasks/${id}`);
    const written = await rowsIn(collection);
    const held = doc?.status === "failed" && String(errorOf(doc)?.message).includes("MAX_STEPS_PER_TASK (100)") && written === 0;
    record(
      "a tasks/ document of 1,000 firestore_log steps, each writing a 900 KB row",
      held ? "failed clearly" : "lost",
      `task ${String(doc?.status)} ${String(errorOf(doc)?.code)}; ${written} rows written`,
    );
    expect(doc).toMatchObject({ status: "failed", attempts: 1, error: { code: "invalid_config" } });
    expect(errorOf(doc)?.message).toContain('steps: task "flood" has 1001 steps, over MAX_STEPS_PER_TASK (100)');
    expect(written).toBe(0);
  });

  it("promise 14: 99 firestore_log steps of 900 KB each (within the step cap) stop cleanly at MAX_RUN_CHARS, the failure written", async () => {
    const id = uniqueId("flood-run");
    const collection = uniqueId("Flood");
    await db.doc(`tasks/${id}`).set(bareTask(floodTask("flood", collection, 99)));
    await deliver(id);
    const doc = await readDoc(db, `tasks/${id}`);
    const output = await readDoc(db, `outputs/${id}`);
    const written = await rowsIn(collection);
    const error = errorOf(doc);
    const held = doc?.status === "failed" && error?.code === "limit_exceeded" && errorOf(output)?.code === "limit_exceeded" && written < 99;
    record(
      "a task of 99 firestore_log steps, each writing a 900 KB row (90 MB in all)",
      held ? "failed clearly" : "lost",
      `task ${String(doc?.status)} (attempt ${String(doc?.attempts)}) ${String(error?.code)} at step ${String(error?.step_id)} after ${written} rows; output ${output ? "written" : "missing"}`,
    );
    expect(doc).toMatchObject({ status: "failed", attempts: 1, error: { code: "limit_exceeded", retryable: false } });
    expect(error?.message).toMatch(/^task "flood" step "log-\d+": its run holds \d+ characters .* MAX_RUN_CHARS \(10000000\)/);
    expect(output).toMatchObject({ status: "failed", error: { code: "limit_exceeded", step_id: error?.step_id } });
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(12);
  });
});

describe("promise 14: requests are checked by size first", () => {
  /** A job whose task_configs are a chain of `length` tasks, each naming the next. */
  const chainJob = (jobId: string, length: number, extra: Doc = {}) => ({
    job_id: jobId,
    task_config: { task_id: "t0", next_task: "t1" },
    task_configs: Array.from({ length }, (_, i) => ({ task_id: `t${i + 1}`, ...(i + 1 < length ? { next_task: `t${i + 2}` } : {}) })),
    ...extra,
  });

  it("promise 14: submitJob refuses a 10 MB request holding a 250,000-task chain at once, naming MAX_JOB_BYTES", async () => {
    const jobId = uniqueId("long-chain");
    const job = chainJob(jobId, 250_000, { metadata: { source: "x".repeat(4_000_000) } });
    const refused = await refusal(() => onSubmitJob(verifiedCaller(uniqueId("user")), { job }));
    const created = await readDoc(db, `jobs/${jobId}`);
    // The former submitJob spent about a minute validating this chain before it found it too large to store.
    const held =
      refused?.code === "invalid-argument" && refused.message.includes("MAX_JOB_BYTES (1000000)") && refused.ms < 5000 && !created;
    record(
      "submitJob: a 10 MB request holding a 250,000-task chain",
      held ? "failed clearly" : "lost",
      refused ? `${refused.code} in ${Math.round(refused.ms)} ms: ${refused.message.split("\n")[1] ?? ""}` : "accepted",
    );
    expect(refused?.code).toBe("invalid-argument");
    expect(refused?.message).toContain("over MAX_JOB_BYTES (1000000)");
    expect(refused!.ms).toBeLessThan(5000);
    expect(created).toBeUndefined();
  });

  it("promise 14: submitJob and the job's start refuse task_configs beyond the hop limit, naming max_hops", async () => {
    const submitted = await refusal(() => onSubmitJob(verifiedCaller(uniqueId("user")), { job: chainJob(uniqueId("hops"), 150) }));
    const jobId = uniqueId("hops-start");
    await db.doc(`jobs/${jobId}`).set({ ...chainJob(jobId, 150), status: "queued" });
    await onJobCreated(jobId, new Date().toISOString());
    const job = await readDoc(db, `jobs/${jobId}`);
    const message = "the job lists 151 tasks (task_config and 150 task_configs) but a chain runs at most 100 (max_hops, default 100)";
    const held =
      Boolean(submitted?.message.includes(message)) && job?.status === "failed" && String(errorOf(job)?.message).includes(message);
    record(
      "submitJob and startJob: a job listing 151 tasks with the default max_hops of 100",
      held ? "failed clearly" : "lost",
      `submitJob ${String(submitted?.code)}; the started job ${String(job?.status)} ${String(errorOf(job)?.code)}`,
    );
    expect(submitted?.code).toBe("invalid-argument");
    expect(submitted?.message).toContain(`task_configs: ${message}`);
    expect(job).toMatchObject({ status: "failed", error: { code: "invalid_config" } });
    expect(errorOf(job)?.message).toContain(message);
  });

  it("promise 14: submitBatch refuses a batch over MAX_BATCH_BYTES before planning it", async () => {
    const batchId = uniqueId("big-batch");
    const batch = {
      batch_id: batchId,
      job: { task_config: { task_id: "t", input_config: { payload: { v: "" } } } },
      rows: Array.from({ length: 6000 }, (_, i) => ({ v: `${i}`.padEnd(1000, "x") })),
    };
    const refused = await refusal(() => onSubmitBatch(verifiedCaller(uniqueId("user")), { batch }));
    const created = await readDoc(db, `batches/${batchId}`);
    const held = refused?.code === "invalid-argument" && refused.message.includes("MAX_BATCH_BYTES (5000000)") && !created;
    record(
      "submitBatch: a 6 MB batch (6,000 rows of 1 KB)",
      held ? "failed clearly" : "lost",
      refused ? `${refused.code} in ${Math.round(refused.ms)} ms` : "accepted",
    );
    expect(refused?.code).toBe("invalid-argument");
    expect(refused?.message).toContain("the batch is larger than 5000000 bytes as JSON, over MAX_BATCH_BYTES (5000000)");
    expect(created).toBeUndefined();
  });
});
