// The hardening promises, each against the Firestore emulator and the Gemini stand-in: built-in functions cannot
// touch the pipeline, nothing fails open, nothing stays stuck, model answers are what they claim, each user's
// work carries its owner, and a claim holds under parallel deliveries. Each scenario adds a row to
// reliability.json in RELIABILITY_RESULTS_DIR (when set), recorded before its assertions.
import { readFileSync } from "node:fs";
import type { Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { onJobCreated, onTaskCreated } from "../../functions/src/trigger-bodies";
import { cancelJob } from "../../shared/pipeline/cancel-job";
import { PIPELINE_COLLECTIONS } from "../../shared/collections";
import { createPipelineRuntime, type PipelineRuntime } from "../../shared/pipeline/create-pipeline-deps";
import { jobTaskDocId } from "../../shared/pipeline/doc-ids";
import { handleTaskCreated } from "../../shared/pipeline/handle-task-created";
import { startJobRun } from "../../shared/pipeline/start-job-run";
import { sweepStuckWork } from "../../shared/pipeline/sweep-stuck-work";
import type { TaskStatus } from "../../shared/pipeline/task-document";
import { startStandin, type Standin } from "../../local/standin/standin-server";
import { readDoc, requireEmulator, uniqueId } from "../support/firestore-test-env";
import { writeResultRows } from "../support/reliability-rows";
import { modelStep, oneStepTask } from "../support/sample-configs";

type Doc = Record<string, unknown>;
type Outcome = "survived" | "failed clearly" | "lost";
const rows: { promise: string; fault: string; times: number; outcome: Outcome; detail: string }[] = [];
const record = (promise: string, fault: string, times: number, outcome: Outcome, detail: string) =>
  rows.push({ promise, fault, times, outcome, detail });

const P8 = "8 pipeline collections";
const P9 = "9 fail closed";
const P10 = "10 nothing stuck";
const P11 = "11 model answers";
const P12 = "12 owner";
const P13 = "13 parallel delivery";

let db: Firestore;
let standin: Standin;
let main: PipelineRuntime;
let shortBudget: PipelineRuntime;
const errorOf = (doc: Doc | undefined) => doc?.error as { code?: string; message?: string } | undefined;
const stepsOf = (doc: Doc | undefined) =>
  (doc?.steps ?? []) as { status: string; finish_reason?: string; warnings: string[]; error?: { code: string; message: string } }[];

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ["GEMINI_API_KEY", "LLM_MODEL_TABLE", "TASK_RUN_BUDGET_MS", "FIRESTORE_LOG_COLLECTIONS"]) delete base[name];
  return {
    ...base,
    GEMINI_BASE_URL: standin.url,
    RETRY_BASE_DELAY_MS: "5",
    RETRY_MAX_DELAY_MS: "20",
    RETRY_MAX_ATTEMPTS: "3",
    TASK_QUEUED_GRACE_MS: "1000",
    ...extra,
  };
}

beforeAll(async () => {
  requireEmulator();
  standin = await startStandin();
  vi.spyOn(logger, "info").mockImplementation(() => undefined);
  main = await createPipelineRuntime(env());
  shortBudget = await createPipelineRuntime(env({ TASK_RUN_BUDGET_MS: "1500" }));
  db = main.deps.db;
});
beforeEach(() => standin.configure({ latencyMs: 0, rpm: 0, faults: {}, script: [], retryDelayMs: 100 }));
afterAll(async () => {
  const dir = process.env.RELIABILITY_RESULTS_DIR;
  if (dir) writeResultRows(dir, "hardening.test.ts", rows);
  await Promise.all([main, shortBudget].map((p) => p?.runtime.close()));
  await standin?.close();
});

const eventOf = async (id: string) => {
  const snap = await db.doc(`tasks/${id}`).get();
  return { data: snap.data()!, updateTime: snap.updateTime! };
};
const callsWith = (text: string) => standin.requests().filter((r) => r.userPrompt.includes(text));

async function startQueuedJob(jobId: string, job: Doc): Promise<string> {
  await db.doc(`jobs/${jobId}`).set(job);
  const started = await startJobRun(main.deps, jobId, { fromStatuses: ["queued", "failed", "cancelled"] });
  if (started.kind !== "started") throw new Error(`job ${jobId} did not start: ${JSON.stringify(started)}`);
  return started.entryTaskDocId;
}
const twoTaskJob = (jobId: string, prompt: string, extra: Doc = {}) => ({
  job_id: jobId,
  status: "queued",
  task_config: oneStepTask("first", prompt, {}, "second"),
  task_configs: [oneStepTask("second", `${prompt} then %answer%`, { answer: "" }, "", "reply")],
  ...extra,
});

/** A task whose one step is a firestore_log call with `request`, after a model step whose answer is `answer`. */
function logTask(taskId: string, request: string, prompt: string): Doc {
  return {
    task_id: taskId,
    input_config: { payload: {} },
    steps: [
      modelStep("ask", prompt, {}, { answer: "" }),
      {
        id: "log",
        name: "log",
        step_type: 1,
        input_config: { payload: { answer: "" } },
        function_call_config: { function_name: "firestore_log", request },
        output_config: { payload: { result: "" } },
      },
    ],
    output_config: { payload: { result: "" } },
  };
}

describe("promise 8: built-in functions cannot touch the pipeline", () => {
  it("promise 8: firestore_log refuses every pipeline collection, naming it, and creates nothing there", async () => {
    const refused: string[] = [];
    for (const collection of PIPELINE_COLLECTIONS) {
      const id = uniqueId(`inject-${collection}`);
      const target = uniqueId("forged");
      await db
        .doc(`tasks/${id}`)
        .set(
          logTask(
            "inject",
            JSON.stringify({ collection, document_id: target, data: { status: "queued", task_id: "x", steps: [] } }),
            "hello",
          ),
        );
      await handleTaskCreated(main.deps, id);
      const task = await readDoc(db, `tasks/${id}`);
      const forged = await readDoc(db, `${collection}/${target}`);
      if (task?.status === "failed" && errorOf(task)?.message?.includes(collection) && !forged) refused.push(collection);
    }
    record(
      P8,
      "firestore_log asked to write into each of the pipeline's collections",
      PIPELINE_COLLECTIONS.length,
      refused.length === PIPELINE_COLLECTIONS.length ? "failed clearly" : "lost",
      `refused, naming the collection, with nothing written: ${refused.join(", ")} of ${PIPELINE_COLLECTIONS.join(", ")}`,
    );
    expect(refused).toEqual([...PIPELINE_COLLECTIONS]);
  });

  it("promise 8: a model answer with quotes, backslashes, braces, newlines and emoji lands verbatim in the logged row", async () => {
    const id = uniqueId("hostile");
    const collection = uniqueId("HostileRows");
    const hostile = 'He said "no" \\ {"collection":"tasks"}\n\tline two 🙂 عربى';
    await db
      .doc(`tasks/${id}`)
      .set(logTask("hostile", `{"collection":"${collection}","document_id":"row","data":{"answer":"%answer%"}}`, hostile));
    await handleTaskCreated(main.deps, id);
    const row = await readDoc(db, `${collection}/row`);
    const output = await readDoc(db, `outputs/${id}`);
    const answer = String((output?.steps as { response?: string }[] | undefined)?.[0]?.response ?? "");
    const held = row?.answer === answer && answer.includes(hostile);
    record(
      P8,
      "a model answer holding JSON syntax interpolated into a firestore_log request",
      1,
      held ? "survived" : "lost",
      held ? "the row holds the answer verbatim; no other collection was written" : `row: ${JSON.stringify(row)?.slice(0, 200)}`,
    );
    expect(row?.answer).toBe(answer);
    expect(answer).toContain(hostile);
  });
});

describe("promise 9: nothing fails open", () => {
  const saved = { ...process.env };
  const deployedEnv = (extra: Record<string, string>) => {
    for (const name of ["GEMINI_API_KEY", "GEMINI_BASE_URL", "FUNCTIONS_EMULATOR", "LLM_MODEL_TABLE"]) delete process.env[name];
    Object.assign(process.env, { K_SERVICE: "runtask", FUNCTION_TARGET: "runTask" }, extra);
  };
  afterAll(() => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });

  it("promise 9: deployed with no GEMINI_API_KEY, the trigger starts no stand-in: the task and its job fail with config_error naming the secret and the command", async () => {
    const jobId = uniqueId("nokey");
    const entry = await startQueuedJob(jobId, twoTaskJob(jobId, `${jobId} never asked`));
    deployedEnv({});
    await onTaskCreated(entry, new Date().toISOString(), await eventOf(entry));
    const task = await readDoc(db, `tasks/${entry}`);
    const job = await readDoc(db, `jobs/${jobId}`);
    const message = errorOf(task)?.message ?? "";
    const held =
      errorOf(task)?.code === "config_error" &&
      message.includes("GEMINI_API_KEY") &&
      message.includes("firebase functions:secrets:set GEMINI_API_KEY") &&
      callsWith(jobId).length === 0;
    record(
      P9,
      "deployed (K_SERVICE set, not the emulator) with no GEMINI_API_KEY",
      1,
      held && job?.status === "failed" ? "failed clearly" : "lost",
      `task ${String(task?.status)} ${String(errorOf(task)?.code)}: ${message}; job ${String(job?.status)}; model calls ${callsWith(jobId).length}`,
    );
    expect(task).toMatchObject({ status: "failed", error: { code: "config_error" } });
    expect(message).toContain("firebase functions:secrets:set GEMINI_API_KEY");
    expect(job).toMatchObject({ status: "failed", error: { code: "config_error" } });
    expect(await readDoc(db, `outputs/${entry}`)).toBeUndefined();
    expect(callsWith(jobId)).toHaveLength(0);
  });

  it("promise 9: deployed with no GEMINI_API_KEY, a job created queued ends failed with config_error instead of waiting on retries", async () => {
    const jobId = uniqueId("nokeyjob");
    await db.doc(`jobs/${jobId}`).set(twoTaskJob(jobId, `${jobId} never asked`));
    deployedEnv({});
    await onJobCreated(jobId, new Date().toISOString());
    const job = await readDoc(db, `jobs/${jobId}`);
    record(
      P9,
      "a job created while the functions cannot start (no GEMINI_API_KEY deployed)",
      1,
      errorOf(job)?.code === "config_error" ? "failed clearly" : "lost",
      `job ${String(job?.status)} ${String(errorOf(job)?.code)}: ${String(errorOf(job)?.message)}`,
    );
    expect(job).toMatchObject({ status: "failed", error: { code: "config_error" } });
    expect(errorOf(job)?.message).toContain("firebase functions:secrets:set GEMINI_API_KEY");
  });

  it("promise 9: an invalid LLM_MODEL_TABLE ends the task with config_error, and the next event after the fix runs (the failed start-up is not kept)", async () => {
    const broken = uniqueId("badtable");
    await db.doc(`tasks/${broken}`).set(oneStepTask("t", `${broken} hello`));
    deployedEnv({ GEMINI_BASE_URL: standin.url, LLM_MODEL_TABLE: "{not json" });
    await onTaskCreated(broken, new Date().toISOString(), await eventOf(broken));
    const failed = await readDoc(db, `tasks/${broken}`);
    const fixed = uniqueId("goodtable");
    await db.doc(`tasks/${fixed}`).set(oneStepTask("t", `${fixed} hello`));
    deployedEnv({ GEMINI_BASE_URL: standin.url });
    await onTaskCreated(fixed, new Date().toISOString(), await eventOf(fixed));
    const ran = await readDoc(db, `tasks/${fixed}`);
    const held =
      errorOf(failed)?.code === "config_error" && String(errorOf(failed)?.message).includes("LLM_MODEL_TABLE") && ran?.status === "success";
    record(
      P9,
      "an invalid LLM_MODEL_TABLE at start-up, then fixed",
      2,
      held ? "failed clearly" : "lost",
      `first task ${String(failed?.status)} ${String(errorOf(failed)?.code)}: ${String(errorOf(failed)?.message)}; after the fix the next task ${String(ran?.status)}`,
    );
    expect(failed).toMatchObject({ status: "failed", error: { code: "config_error" } });
    expect(errorOf(failed)?.message).toContain("LLM_MODEL_TABLE");
    expect(ran).toMatchObject({ status: "success" });
  });

  it("promise 9: the deployed bundle holds no stand-in, and only the emulator reaches for the one beside it", () => {
    const bundle = readFileSync("functions/lib/index.js", "utf8");
    // The stand-in's answers all start "[stand-in MODEL]"; its server lives in functions/lib/standin.mjs, which no
    // function imports and firebase.json leaves out of the deploy.
    const noServer = !bundle.includes("[stand-in ") && !bundle.includes("standin-server") && !bundle.includes("createServer(");
    const gated = /process\.env\.FUNCTIONS_EMULATOR === "true" \? \(\) => attachEmulatorStandin/.test(bundle);
    const firebaseJson = JSON.parse(readFileSync("firebase.json", "utf8")) as { functions: { ignore: string[] }[] };
    const notDeployed = firebaseJson.functions[0]!.ignore.includes("lib/standin.mjs");
    const held = noServer && gated && notDeployed;
    record(
      P9,
      "the offline stand-in in the deployed bundle (functions/lib/index.js)",
      1,
      held ? "survived" : "lost",
      held
        ? "absent: the deployed functions cannot answer with made-up text; only FUNCTIONS_EMULATOR=true attaches the session's stand-in, whose bundle is not deployed"
        : `present (server code ${!noServer}, attach not gated ${!gated}, stand-in bundle deployed ${!notDeployed})`,
    );
    expect(noServer).toBe(true);
    expect(gated).toBe(true);
    expect(notDeployed).toBe(true);
  });
});

describe("promise 10: nothing stays stuck", () => {
  it("promise 10: a task left queued with no delivery (its event dropped) is run by the sweep after the grace period", async () => {
    const id = uniqueId("dropped");
    await db.doc(`tasks/${id}`).set({ ...oneStepTask("t", `${id} hello`), status: "queued", created_at: new Date(Date.now() - 5_000) });
    const sweep = await sweepStuckWork(main.deps);
    const task = await readDoc(db, `tasks/${id}`);
    record(
      P10,
      "a task whose created-event never came (queued past TASK_QUEUED_GRACE_MS)",
      1,
      task?.status === "success" && sweep.unstarted.includes(id) ? "survived" : "lost",
      `sweep: ${String(sweep.outcomes[id])}; task ${String(task?.status)}`,
    );
    expect(sweep.unstarted).toContain(id);
    expect(task).toMatchObject({ status: "success", attempts: 1 });
  });

  it("promise 10: a job left running whose current task has ended is ended by the sweep", async () => {
    const jobId = uniqueId("orphan");
    const entry = await startQueuedJob(jobId, twoTaskJob(jobId, `${jobId} hello`));
    // As a hand-edit would leave it: the task failed outside the pipeline's finishing commit.
    await db.doc(`tasks/${entry}`).update({ status: "failed", error: { code: "internal", message: "ended by hand", retryable: false } });
    await db.doc(`jobs/${jobId}`).update({ updated_at: new Date(Date.now() - 5_000) });
    const sweep = await sweepStuckWork(main.deps);
    const job = await readDoc(db, `jobs/${jobId}`);
    record(
      P10,
      "a job left running after its current task ended outside the finish",
      1,
      job?.status === "failed" ? "failed clearly" : "lost",
      `sweep: ${String(sweep.jobs[jobId])}; job ${String(job?.status)}: ${String(errorOf(job)?.message)}`,
    );
    expect(sweep.jobs[jobId]).toBe("failed");
    expect(job).toMatchObject({ status: "failed", error: { code: "internal", message: "ended by hand", task_doc_id: entry } });
  });

  it("promise 10: cancel-job mid-task: the task in flight finishes, no successor is committed, the job ends cancelled; start-job then starts a new run", async () => {
    const jobId = uniqueId("cancel");
    const prompt = `${jobId} slow`;
    const entry = await startQueuedJob(jobId, twoTaskJob(jobId, prompt));
    standin.configure({ latencyMs: 400 });
    const run = handleTaskCreated(main.deps, entry, { event: await eventOf(entry) });
    for (let i = 0; i < 200 && callsWith(prompt).length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    const cancelled = await cancelJob(main.deps, jobId);
    const outcome = await run;
    standin.configure({ latencyMs: 0 });
    const job = await readDoc(db, `jobs/${jobId}`);
    const successor = await readDoc(db, `tasks/${jobTaskDocId(jobId, "run1", 2, "second")}`);
    const restarted = await startJobRun(main.deps, jobId, { fromStatuses: ["failed", "cancelled"] });
    const held =
      cancelled.kind === "ended" &&
      outcome.kind === "finished" &&
      outcome.status === "success" &&
      !successor &&
      job?.status === "cancelled";
    record(
      P10,
      "cancel-job while a task runs",
      1,
      held && restarted.kind === "started" ? "survived" : "lost",
      `task in flight: ${outcome.kind === "finished" ? outcome.status : outcome.kind}; successor ${successor ? "committed" : "none"}; job ${String(job?.status)}; start-job after: ${restarted.kind === "started" ? restarted.runId : restarted.kind}`,
    );
    expect(outcome).toMatchObject({ kind: "finished", status: "success" });
    expect(outcome).not.toHaveProperty("nextTaskDocId");
    expect(successor).toBeUndefined();
    expect(job).toMatchObject({ status: "cancelled" });
    expect(restarted).toMatchObject({ kind: "started", runId: "run2" });
  });

  it("promise 10: a task committed before its job was cancelled ends failed with cancelled, without calling the model", async () => {
    const jobId = uniqueId("cancelq");
    const entry = await startQueuedJob(jobId, twoTaskJob(jobId, `${jobId} never`));
    // The event carries the task as created; the cancel lands before its delivery.
    const event = await eventOf(entry);
    const cancelled = await cancelJob(main.deps, jobId);
    const outcome = await handleTaskCreated(main.deps, entry, { event });
    const task = await readDoc(db, `tasks/${entry}`);
    record(
      P10,
      "a committed task delivered after its job was cancelled",
      1,
      task?.status === "failed" && callsWith(jobId).length === 0 ? "failed clearly" : "lost",
      `task ${String(task?.status)} ${String(errorOf(task)?.code)}: ${String(errorOf(task)?.message)}; model calls ${callsWith(jobId).length}`,
    );
    expect(cancelled).toEqual({ kind: "ended", endedTaskDocId: entry });
    expect(outcome).toEqual({ kind: "skipped", reason: "already failed" });
    expect(task).toMatchObject({ status: "failed", attempts: 0, error: { code: "cancelled" } });
    expect(errorOf(task)?.message).toContain(`not run: its job ${jobId} was cancelled before the task started`);
    expect(await readDoc(db, `outputs/${entry}`)).toBeUndefined();
    expect(callsWith(jobId)).toHaveLength(0);
    expect(await readDoc(db, `jobs/${jobId}`)).toMatchObject({ status: "cancelled" });
  });
});

describe("promise 11: model answers are what they claim to be", () => {
  const jsonTask = (prompt: string) => {
    const task = oneStepTask("json", prompt) as Doc & { steps: Doc[] };
    const step = task.steps[0] as { model_query_config: { parameters: Record<string, string> } };
    step.model_query_config.parameters.response_mime_type = "application/json";
    return task;
  };

  it("promise 11: an answer cut at MAX_TOKENS is recorded with its finish reason and a warning; asked for JSON, it fails with output_truncated", async () => {
    const text = uniqueId("cut-text");
    const json = uniqueId("cut-json");
    await db.doc(`tasks/${text}`).set(oneStepTask("t", `${text} hello`));
    await db.doc(`tasks/${json}`).set(jsonTask(`${json} hello`));
    standin.configure({ script: ["max_tokens", "max_tokens"] });
    await handleTaskCreated(main.deps, text);
    await handleTaskCreated(main.deps, json);
    const textStep = stepsOf(await readDoc(db, `outputs/${text}`))[0];
    const jsonTaskDoc = await readDoc(db, `tasks/${json}`);
    const held =
      textStep?.finish_reason === "MAX_TOKENS" && textStep.warnings.length > 0 && errorOf(jsonTaskDoc)?.code === "output_truncated";
    record(
      P11,
      "an answer cut at MAX_TOKENS (text, then JSON)",
      2,
      held ? "failed clearly" : "lost",
      `text: ${String(textStep?.status)}, finish ${String(textStep?.finish_reason)}, warning "${String(textStep?.warnings[0])}"; JSON: ${String(errorOf(jsonTaskDoc)?.code)}: ${String(errorOf(jsonTaskDoc)?.message)}`,
    );
    expect(textStep).toMatchObject({ status: "success", finish_reason: "MAX_TOKENS" });
    expect(textStep?.warnings.join(" ")).toMatch(/max_output_tokens|MAX_TOKENS/);
    expect(jsonTaskDoc).toMatchObject({ status: "failed", error: { code: "output_truncated" } });
    expect(errorOf(jsonTaskDoc)?.message).toContain("max_output_tokens");
  });

  it("promise 11: a 429 asking to wait longer than the run budget has left fails at once with quota_exhausted", async () => {
    const id = uniqueId("quota");
    await db.doc(`tasks/${id}`).set(oneStepTask("t", `${id} hello`));
    standin.configure({ faults: { "429": 1 }, retryDelayMs: 3_600_000 });
    await handleTaskCreated(shortBudget.deps, id);
    const task = await readDoc(db, `tasks/${id}`);
    const calls = callsWith(id).length;
    record(
      P11,
      "a 429 whose retry delay (1 h) is past the run budget (a daily quota)",
      calls,
      errorOf(task)?.code === "quota_exhausted" && calls === 1 ? "failed clearly" : "lost",
      `${String(errorOf(task)?.code)} after ${calls} call(s): ${String(errorOf(task)?.message)}`,
    );
    expect(task).toMatchObject({ status: "failed", error: { code: "quota_exhausted" } });
    expect(calls).toBe(1);
  });

  it("promise 11: a run budget that ends during retries reports deadline_exceeded, never an internal error", async () => {
    const id = uniqueId("abortwait");
    await db.doc(`tasks/${id}`).set(oneStepTask("t", `${id} hello`));
    standin.configure({ faults: { "503": 1 }, latencyMs: 600 });
    await handleTaskCreated(shortBudget.deps, id);
    const task = await readDoc(db, `tasks/${id}`);
    record(
      P11,
      "retries of slow 503s (600 ms each) outlasting a 1.5 s run budget",
      callsWith(id).length,
      errorOf(task)?.code === "deadline_exceeded" ? "failed clearly" : "lost",
      `${String(errorOf(task)?.code)}: ${String(errorOf(task)?.message)}`,
    );
    expect(task).toMatchObject({ status: "failed", error: { code: "deadline_exceeded" } });
  });

  it("promise 11: the tokens of a refused answer are billed and counted in the task's usage", async () => {
    const id = uniqueId("billed");
    await db.doc(`tasks/${id}`).set(oneStepTask("t", `${id} hello`));
    standin.configure({ script: ["safety"] });
    await handleTaskCreated(main.deps, id);
    const task = await readDoc(db, `tasks/${id}`);
    const usage = task?.usage as { total_tokens?: number } | undefined;
    record(
      P11,
      "an answer refused for safety after the model read the prompt",
      1,
      (usage?.total_tokens ?? 0) > 0 ? "failed clearly" : "lost",
      `${String(errorOf(task)?.code)}; usage counted: ${JSON.stringify(usage)}`,
    );
    expect(task).toMatchObject({ status: "failed", error: { code: "model_blocked" } });
    expect(usage?.total_tokens).toBeGreaterThan(0);
  });
});

describe("promise 12: each user's work carries its owner", () => {
  it("promise 12: a job with owner_uid hands it to every task, output and overflow piece of its run", async () => {
    const jobId = uniqueId("owned");
    const entry = await startQueuedJob(jobId, twoTaskJob(jobId, `${jobId} hello`, { owner_uid: "alice" }));
    await handleTaskCreated(main.deps, entry, { event: await eventOf(entry) });
    const second = jobTaskDocId(jobId, "run1", 2, "second");
    await handleTaskCreated(main.deps, second, { event: await eventOf(second) });
    const docs = await Promise.all(
      [`tasks/${entry}`, `tasks/${second}`, `outputs/${entry}`, `outputs/${second}`].map((p) => readDoc(db, p)),
    );
    const owners = docs.map((d) => d?.owner_uid);
    record(
      P12,
      "the owner of a submitted job through its chain",
      4,
      owners.every((o) => o === "alice") ? "survived" : "lost",
      `owner_uid on tasks and outputs: ${owners.map(String).join(", ")}`,
    );
    expect(owners).toEqual(["alice", "alice", "alice", "alice"]);
  });
});

describe("promise 13: parallel deliveries", () => {
  it("promise 13: 50 two-task jobs, every task delivered 5 times at once with all in flight together: each model call once, one output and one successor per task, nothing left running", async () => {
    const tag = uniqueId("par");
    const jobIds = Array.from({ length: 50 }, (_, i) => `${tag}-${i}`);
    const entries = await Promise.all(jobIds.map((jobId) => startQueuedJob(jobId, twoTaskJob(jobId, `${jobId} go`))));
    standin.configure({ latencyMs: 50 });
    // Each hop: 5 deliveries of every task at once; half carry the created-event (the one-write claim), half do not.
    for (const ids of [entries, jobIds.map((jobId) => jobTaskDocId(jobId, "run1", 2, "second"))]) {
      const events = await Promise.all(ids.map(eventOf));
      await Promise.all(
        ids.flatMap((id, i) => Array.from({ length: 5 }, (_, n) => handleTaskCreated(main.deps, id, n % 2 ? {} : { event: events[i]! }))),
      );
    }
    standin.configure({ latencyMs: 0 });
    const tasks = (await db.collection("tasks").where("job_id", "in", jobIds.slice(0, 30)).get()).docs.concat(
      (await db.collection("tasks").where("job_id", "in", jobIds.slice(30)).get()).docs,
    );
    const outputs = await Promise.all(tasks.map((t) => readDoc(db, `outputs/${t.id}`)));
    const jobs = await Promise.all(jobIds.map((id) => readDoc(db, `jobs/${id}`)));
    const calls = jobIds.map((id) => callsWith(`${id} go`).length);
    const held =
      tasks.length === 100 &&
      outputs.every(Boolean) &&
      calls.every((c) => c === 2) &&
      tasks.every((t) => t.get("status") === "success" && t.get("attempts") === 1) &&
      jobs.every((j) => j?.status === "success" && j.tasks_done === 2);
    record(
      P13,
      "100 tasks (50 jobs x 2) each delivered 5 times at once, half with the created-event",
      500,
      held ? "survived" : "lost",
      `${tasks.length} tasks, ${outputs.filter(Boolean).length} outputs, model calls per job ${[...new Set(calls)].join("/")}, statuses ${[...new Set(tasks.map((t) => t.get("status") as TaskStatus))].join("/")}, jobs ${[...new Set(jobs.map((j) => j?.status))].join("/")}`,
    );
    expect(tasks).toHaveLength(100);
    expect(
      calls.every((c) => c === 2),
      `model calls per job: ${calls.join(",")}`,
    ).toBe(true);
    expect(tasks.every((t) => t.get("status") === "success" && t.get("attempts") === 1)).toBe(true);
    expect(outputs.every(Boolean)).toBe(true);
    expect(jobs.every((j) => j?.status === "success" && j.tasks_done === 2)).toBe(true);
  });
});
