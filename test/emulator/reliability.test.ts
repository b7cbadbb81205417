// Fault injection on the Firestore emulator and the Gemini stand-in: each promise of issue 4 (but bad input) under test.
//
// The suite runs in a Firestore-only emulator session, so nothing reacts to writes: it delivers events as the
// platform would, through the wrapped triggers of functions/src/index.ts (promise 1) or through the same
// pipeline calls with short policy numbers from the environment (the others). Crashes are real: a child
// process runs the delivery and is SIGKILLed mid-task. After the run it writes one row per scenario to
// reliability.json in RELIABILITY_RESULTS_DIR (when set), which docs/reliability.md is filled from; a row says
// what was observed (recorded before the assertions), so a broken promise shows in the report as well.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { DocumentSnapshot, Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import functionsTest from "firebase-functions-test";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { runTask, startJob as startJobTrigger } from "../../functions/src/index";
import type { ErrorCode } from "../../shared/engine/run-record";
import { runTaskSteps } from "../../shared/engine/run-task-steps";
import { claimTask } from "../../shared/pipeline/claim-task";
import { createPipelineRuntime, type PipelineRuntime } from "../../shared/pipeline/create-pipeline-deps";
import { chainedTaskDocId, jobTaskDocId } from "../../shared/pipeline/doc-ids";
import { finishTask } from "../../shared/pipeline/finish-task";
import { handleTaskCreated } from "../../shared/pipeline/handle-task-created";
import { startJobRun } from "../../shared/pipeline/start-job-run";
import { sweepStuckWork } from "../../shared/pipeline/sweep-stuck-work";
import type { TaskConfigInput } from "../../local/samples/samples";
import { startStandin, type Standin, type StandinFault, type StandinRequest } from "../../local/standin/standin-server";
import { readDoc, requireEmulator, uniqueId } from "../support/firestore-test-env";
import { match } from "../support/matchers";
import { modelStep, oneStepTask } from "../support/sample-configs";
import { writeResultRows } from "../support/reliability-rows";

type Doc = Record<string, unknown>;
type Outcome = "survived" | "failed clearly" | "lost";
interface Row {
  promise: string;
  fault: string;
  /** How many times the fault was injected, or the event delivered. */
  times: number;
  outcome: Outcome;
  detail: string;
}
interface ErrorField {
  code?: string;
  message?: string;
  status?: number;
  attempts?: number;
  retryable?: boolean;
  task_doc_id?: string;
}
interface StepField {
  step_id: string;
  attempts: number;
  status: string;
  response: string | null;
  user_prompt?: string;
  error?: ErrorField;
  truncated?: Record<string, number>;
}

const P1 = "1 duplicate delivery";
const P2 = "2 crash mid-task";
const P3 = "3 model faults";
const P5 = "5 runaway chains";
const P6 = "6 output size";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CRASH_CHILD = join("test", "support", "crash-child.ts");
/**
 * Short policy numbers, so that leases expire and retries back off within a test. The lease leaves a crash test
 * (two 250 ms steps, the kill, a read) seconds to spare on a loaded machine before its early redelivery.
 */
const LEASE_MS = 3000;
const MAX_ATTEMPTS = 2;
const MAX_HOPS = 3;
const RETRY_MAX_ATTEMPTS = 3;
const GEMINI_TIMEOUT_MS = 250;
const RUN_BUDGET_MS = 600;
/** Stand-in latency while a crash child runs, so that the next model call is in flight when it is killed. */
const CRASH_LATENCY_MS = 250;

const fft = functionsTest({ projectId: process.env.GCLOUD_PROJECT ?? "demo-llm-agent-executor" });
const wrappedRunTask = fft.wrap(runTask);
const wrappedStartJob = fft.wrap(startJobTrigger);

const rows: Row[] = [];
let db: Firestore;
let standin: Standin;
/** The pipeline as the tests drive it: policy numbers shortened through the environment, as a deployment would. */
let main: PipelineRuntime;
let withTimeout: PipelineRuntime;
let withBudget: PipelineRuntime;
let shortLease: PipelineRuntime;

/** The environment of a function instance in these tests: the stand-in, short retries and leases, no key. */
function pipelineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of [
    "GEMINI_API_KEY",
    "LLM_MODEL_TABLE",
    "GEMINI_TIMEOUT_MS",
    "TASK_RUN_BUDGET_MS",
    "MAX_PROMPT_CHARS",
    "RETRY_MAX_THROTTLED",
  ])
    delete env[name];
  return {
    ...env,
    GEMINI_BASE_URL: standin.url,
    RETRY_BASE_DELAY_MS: "5",
    RETRY_MAX_DELAY_MS: "20",
    RETRY_MAX_ATTEMPTS: String(RETRY_MAX_ATTEMPTS),
    TASK_LEASE_MS: String(LEASE_MS),
    TASK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
    TASK_MAX_HOPS: String(MAX_HOPS),
    ...extra,
  };
}

beforeAll(async () => {
  requireEmulator();
  standin = await startStandin();
  // The wrapped triggers build their runtime on the first event, from this environment.
  process.env.GEMINI_BASE_URL = standin.url;
  delete process.env.GEMINI_API_KEY;
  // A pipeline log line per delivery would bury the test report; warnings and errors still show.
  vi.spyOn(logger, "info").mockImplementation(() => undefined);
  main = await createPipelineRuntime(pipelineEnv());
  withTimeout = await createPipelineRuntime(pipelineEnv({ GEMINI_TIMEOUT_MS: String(GEMINI_TIMEOUT_MS) }));
  withBudget = await createPipelineRuntime(pipelineEnv({ TASK_RUN_BUDGET_MS: String(RUN_BUDGET_MS) }));
  shortLease = await createPipelineRuntime(pipelineEnv({ TASK_LEASE_MS: "300" }));
  db = main.deps.db;
});

beforeEach(() => {
  standin.configure({ latencyMs: 0, rpm: 0, faults: {}, script: [], retryDelayMs: 100 });
});

afterAll(async () => {
  const dir = process.env.RELIABILITY_RESULTS_DIR;
  if (dir) writeResultRows(dir, "reliability.test.ts", rows);
  await Promise.all([main, withTimeout, withBudget, shortLease].map((p) => p?.runtime.close()));
  await standin?.close();
  fft.cleanup();
});

// ---------------------------------------------------------------------------------------------------------
// Helpers

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

function record(promise: string, fault: string, times: number, outcome: Outcome, detail: string): void {
  rows.push({ promise, fault, times, outcome, detail });
}

/** A task that ended as expected is survived (success) or failed clearly (failed with the expected code and a message). */
function classify(task: Doc | undefined, expected: "success" | ErrorCode, invariantsHeld = true): Outcome {
  if (!invariantsHeld) return "lost";
  if (expected === "success") return task?.status === "success" ? "survived" : "lost";
  const error = task?.error as ErrorField | undefined;
  return task?.status === "failed" && error?.code === expected && Boolean(error.message) ? "failed clearly" : "lost";
}

const errorOf = (doc: Doc | undefined) => doc?.error as ErrorField | undefined;
const stepsOf = (output: Doc | undefined) => (output?.steps ?? []) as StepField[];
const leaseEnd = (task: Doc | undefined) => (task?.lease_expires_at as { toMillis(): number } | undefined)?.toMillis() ?? 0;

/** The model calls the stand-in received for prompts starting with `prefix`, in order. */
const callsStartingWith = (prefix: string): StandinRequest[] => standin.requests().filter((r) => r.userPrompt.startsWith(prefix));
const callsFor = (prompt: string): StandinRequest[] => standin.requests().filter((r) => r.userPrompt === prompt);

async function tasksOfJob(jobId: string): Promise<{ id: string; data: Doc }[]> {
  const snap = await db.collection("tasks").where("job_id", "==", jobId).get();
  return snap.docs.map((d) => ({ id: d.id, data: d.data() }));
}

async function outputsOfJob(jobId: string): Promise<{ id: string; data: Doc }[]> {
  const snap = await db.collection("outputs").where("job_id", "==", jobId).get();
  return snap.docs.map((d) => ({ id: d.id, data: d.data() }));
}

/** A three-step model task whose step n asks `${marker} step n`, so each call names its step. */
function threeStepTask(taskId: string, marker: string, nextTask = ""): TaskConfigInput {
  return {
    task_id: taskId,
    input_config: { payload: {} },
    steps: [1, 2, 3].map((n) => modelStep(`s${n}`, `${marker} step ${n}`, {}, { answer: "" })),
    output_config: { payload: { answer: "" } },
    next_task: nextTask,
  };
}

/** A job whose entry task is `entry` (task_id "first") and whose second task binds the entry's answer. */
function twoTaskJob(jobId: string, entry: Doc, extra: Doc = {}): Doc {
  return {
    job_id: jobId,
    status: "queued",
    task_config: { ...entry, task_id: "first", next_task: "second" },
    task_configs: [oneStepTask("second", "second got %answer%", { answer: "" }, "", "reply")],
    ...extra,
  };
}

async function startQueuedJob(jobId: string, job: Doc): Promise<string> {
  await db.doc(`jobs/${jobId}`).set(job);
  const started = await startJobRun(main.deps, jobId, { fromStatuses: ["queued"] });
  if (started.kind !== "started") throw new Error(`job ${jobId} did not start: ${JSON.stringify(started)}`);
  return started.entryTaskDocId;
}

async function taskEvent(taskDocId: string): Promise<never> {
  const snap = fft.firestore.makeDocumentSnapshot(
    (await readDoc(db, `tasks/${taskDocId}`)) ?? {},
    `tasks/${taskDocId}`,
  ) as DocumentSnapshot;
  return { data: snap, params: { taskDocId } } as never;
}

async function jobEvent(jobId: string): Promise<never> {
  const snap = fft.firestore.makeDocumentSnapshot((await readDoc(db, `jobs/${jobId}`)) ?? {}, `jobs/${jobId}`) as DocumentSnapshot;
  return { data: snap, params: { jobId } } as never;
}

const describeError = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

interface ChildRun {
  killed: boolean;
  output: string;
}

/**
 * Runs one delivery of `taskDocId` in a child process (a function instance of its own) and SIGKILLs it as
 * soon as `killWhen()` holds, polled every few milliseconds. Node runs the TypeScript through tsx's loader
 * in the same process, so the kill reaches the process that does the work (the tsx CLI would fork it).
 */
async function runChildUntil(taskDocId: string, killWhen: () => boolean, timeoutMs = 20_000, args: string[] = []): Promise<ChildRun> {
  const child = spawn(process.execPath, ["--import", "tsx", CRASH_CHILD, taskDocId, ...args], {
    cwd: ROOT,
    env: pipelineEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  let exited = false;
  const exit = new Promise<NodeJS.Signals | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (_code, signal) => ((exited = true), resolve(signal)));
  });
  const until = Date.now() + timeoutMs;
  while (!exited) {
    if (killWhen()) {
      child.kill("SIGKILL");
      break;
    }
    if (Date.now() > until) {
      child.kill("SIGKILL");
      await exit;
      throw new Error(`the crash child for tasks/${taskDocId} did not reach its kill point within ${timeoutMs} ms; it printed:\n${output}`);
    }
    await sleep(5);
  }
  const signal = await exit;
  return { killed: signal === "SIGKILL", output };
}

// ---------------------------------------------------------------------------------------------------------

describe("promise 1: duplicate delivery", () => {
  for (const mode of ["in turn", "at once"] as const) {
    for (const times of [2, 5, 20]) {
      it(`promise 1 (duplicate delivery): the same created-event delivered ${times} times ${mode} runs the model calls once, writes one output and commits one successor`, async () => {
        const jobId = uniqueId(`dup${times}${mode === "at once" ? "c" : "s"}`);
        const prompt = `first of ${jobId}`;
        await db.doc(`jobs/${jobId}`).set(twoTaskJob(jobId, oneStepTask("first", prompt)));
        await wrappedStartJob(await jobEvent(jobId));
        const entry = jobTaskDocId(jobId, "run1", 1, "first");
        const event = await taskEvent(entry);

        const thrown: string[] = [];
        const deliver = async () => {
          try {
            await wrappedRunTask(event);
          } catch (err) {
            thrown.push(describeError(err));
            throw err;
          }
        };
        let owed = 0;
        if (mode === "in turn") {
          for (let i = 0; i < times; i++) await deliver().catch(() => (owed += 1));
        } else {
          const settled = await Promise.allSettled(Array.from({ length: times }, deliver));
          owed = settled.filter((s) => s.status === "rejected").length;
        }
        // A handler that throws is redelivered by the platform (retry: true): do the same, a bounded number of rounds.
        const firstThrows = thrown.length;
        for (let round = 0; round < 5 && owed > 0; round++) {
          const settled = await Promise.allSettled(Array.from({ length: owed }, deliver));
          owed = settled.filter((s) => s.status === "rejected").length;
        }

        const calls = callsFor(prompt).length;
        const outputs = await outputsOfJob(jobId);
        const tasks = await tasksOfJob(jobId);
        const task = await readDoc(db, `tasks/${entry}`);
        const successor = tasks.find((t) => t.id !== entry);
        const job = await readDoc(db, `jobs/${jobId}`);
        const held =
          calls === 1 && outputs.length === 1 && tasks.length === 2 && task?.attempts === 1 && job?.tasks_done === 1 && owed === 0;
        const threw = firstThrows
          ? `; ${firstThrows} deliveries threw (redelivered as the platform would, ${thrown.length - firstThrows} threw again): ${[...new Set(thrown)].join(" | ")}`
          : "";
        record(
          P1,
          `created-event delivered ${mode}`,
          times,
          classify(task, "success", held),
          `${calls} model call(s), ${outputs.length} output(s), ${tasks.length - 1} successor(s), attempts ${String(task?.attempts)}${threw}`,
        );
        if (firstThrows) console.warn(`finding: ${times} deliveries ${mode}: ${firstThrows} handler(s) threw${threw}`);

        expect(owed, `deliveries still failing after 5 redelivery rounds: ${thrown.join(" | ")}`).toBe(0);
        expect(calls).toBe(1);
        expect(outputs.map((o) => o.id)).toEqual([entry]);
        expect(task).toMatchObject({ status: "success", attempts: 1, next_task_doc_id: jobTaskDocId(jobId, "run1", 2, "second") });
        expect(tasks).toHaveLength(2);
        expect(successor?.data).toMatchObject({ status: "queued", attempts: 0, hop: 2, previous_task_doc_id: entry });
        expect(job).toMatchObject({ status: "running", tasks_done: 1 });
      });
    }
  }
});

// ---------------------------------------------------------------------------------------------------------

describe("promise 2: crash mid-task", () => {
  /** Starts a two-task job whose entry task is `entry`, and runs its delivery in a child killed after step `k`. */
  async function crashAfterStep(
    entryTask: TaskConfigInput,
    marker: string,
    k: number,
  ): Promise<{ jobId: string; entry: string; child: ChildRun }> {
    const jobId = uniqueId("crash");
    const entry = await startQueuedJob(jobId, twoTaskJob(jobId, entryTask));
    standin.configure({ latencyMs: CRASH_LATENCY_MS });
    // Step k+1's call arriving means steps 1..k answered; with the latency it is still in flight at the kill.
    const child = await runChildUntil(entry, () => callsStartingWith(marker).length >= k + 1);
    standin.configure({ latencyMs: 0 });
    return { jobId, entry, child };
  }

  it("promise 2 (crash mid-task): a run killed after step 2 of 3 is left alone by a redelivery while its lease holds, then taken over by one and finished once, from step 1", async () => {
    const marker = uniqueId("crash-b");
    const { jobId, entry, child } = await crashAfterStep(threeStepTask("first", marker), marker, 2);
    expect(child.killed, `the child finished before the kill point:\n${child.output}`).toBe(true);
    const crashed = await readDoc(db, `tasks/${entry}`);
    expect(crashed).toMatchObject({ status: "running", attempts: 1 });
    expect(leaseEnd(crashed), "the lease ran out before the early redelivery could be tried; raise LEASE_MS").toBeGreaterThan(
      Date.now() + 100,
    );

    // (a) a redelivery while the dead run's lease holds does nothing.
    const callsBefore = callsStartingWith(marker).length;
    const early = await handleTaskCreated(main.deps, entry);
    expect(early.kind).toBe("skipped");
    expect(callsStartingWith(marker).length).toBe(callsBefore);
    expect(await readDoc(db, `tasks/${entry}`)).toMatchObject({ status: "running", attempts: 1 });

    // (b) after the lease, a redelivery takes over as attempt 2 and re-runs every step (the policy: re-run, not resume).
    await sleep(leaseEnd(crashed) - Date.now() + 50);
    const late = await handleTaskCreated(main.deps, entry);
    const task = await readDoc(db, `tasks/${entry}`);
    const outputs = await outputsOfJob(jobId);
    const tasks = await tasksOfJob(jobId);
    const steps = callsStartingWith(marker).map((r) => Number(r.userPrompt.slice(-1)));
    const held = late.kind === "finished" && outputs.length === 1 && tasks.length === 2 && task?.attempts === 2;
    record(
      P2,
      "function instance killed after step 2 of 3; redelivered after the lease",
      1,
      classify(task, "success", held),
      `early redelivery: ${early.kind}; take-over attempt ${String(task?.attempts)}; model calls by step ${steps.join(",")}; ${outputs.length} output(s), ${tasks.length - 1} successor(s)`,
    );

    expect(late).toMatchObject({ kind: "finished", status: "success", nextTaskDocId: jobTaskDocId(jobId, "run1", 2, "second") });
    expect(task).toMatchObject({ status: "success", attempts: 2 });
    expect(task?.lease_expires_at).toBeUndefined();
    expect(steps).toEqual([1, 2, 3, 1, 2, 3]);
    expect(outputs.map((o) => o.data)).toEqual([match.objectContaining({ task_doc_id: entry, attempt: 2, status: "success" })]);
    expect(tasks).toHaveLength(2);

    // The chain carries on: the successor runs and the job ends well.
    await handleTaskCreated(main.deps, jobTaskDocId(jobId, "run1", 2, "second"));
    expect(await readDoc(db, `jobs/${jobId}`)).toMatchObject({ status: "success", tasks_done: 2 });
  });

  it("promise 2 (crash mid-task): a sweep leaves a dead run alone while its lease holds, then takes it over and finishes it once", async () => {
    const marker = uniqueId("crash-c");
    const { jobId, entry, child } = await crashAfterStep(threeStepTask("first", marker), marker, 1);
    expect(child.killed, `the child finished before the kill point:\n${child.output}`).toBe(true);
    const crashed = await readDoc(db, `tasks/${entry}`);
    expect(leaseEnd(crashed)).toBeGreaterThan(Date.now() + 100);

    const early = await sweepStuckWork(main.deps);
    expect(early.expired).not.toContain(entry);
    await sleep(leaseEnd(crashed) - Date.now() + 50);
    const sweep = await sweepStuckWork(main.deps);
    const task = await readDoc(db, `tasks/${entry}`);
    const outputs = await outputsOfJob(jobId);
    const tasks = await tasksOfJob(jobId);
    const held = sweep.outcomes[entry] === "finished" && outputs.length === 1 && tasks.length === 2;
    record(
      P2,
      "function instance killed after step 1 of 3; taken over by the sweep",
      1,
      classify(task, "success", held),
      `sweep before the lease: ${early.expired.includes(entry) ? "took it" : "left it"}; after: ${String(sweep.outcomes[entry])}, attempt ${String(task?.attempts)}; ${outputs.length} output(s), ${tasks.length - 1} successor(s)`,
    );

    expect(sweep.expired).toContain(entry);
    expect(sweep.outcomes[entry]).toBe("finished");
    expect(task).toMatchObject({ status: "success", attempts: 2 });
    expect(outputs).toHaveLength(1);
    expect(tasks).toHaveLength(2);
    expect(callsStartingWith(marker).map((r) => Number(r.userPrompt.slice(-1)))).toEqual([1, 2, 1, 2, 3]);
  });

  it("promise 2 (crash mid-task): an invocation killed mid-task after claiming from its created-event is left alone by the same event redelivered, then taken over by the sweep after the lease and finished once", async () => {
    const marker = uniqueId("crash-k");
    const jobId = uniqueId("crash");
    const entry = await startQueuedJob(jobId, twoTaskJob(jobId, threeStepTask("first", marker)));
    const created = await db.doc(`tasks/${entry}`).get();
    standin.configure({ latencyMs: CRASH_LATENCY_MS });
    const child = await runChildUntil(entry, () => callsStartingWith(marker).length >= 2, 20_000, ["--as-trigger"]);
    standin.configure({ latencyMs: 0 });
    expect(child.killed, `the child finished before the kill point:\n${child.output}`).toBe(true);
    const crashed = await readDoc(db, `tasks/${entry}`);
    expect(crashed).toMatchObject({ status: "running", attempts: 1 });
    expect(leaseEnd(crashed), "the lease ran out before the early delivery could be tried; raise LEASE_MS").toBeGreaterThan(
      Date.now() + 100,
    );

    // The platform redelivers the same created-event: its document is no longer the task's, so the claim is refused.
    const callsBefore = callsStartingWith(marker).length;
    const early = await handleTaskCreated(main.deps, entry, { event: { data: created.data()!, updateTime: created.updateTime! } });
    expect(early.kind).toBe("skipped");
    expect(callsStartingWith(marker).length).toBe(callsBefore);

    await sleep(leaseEnd(crashed) - Date.now() + 50);
    const sweep = await sweepStuckWork(main.deps);
    const task = await readDoc(db, `tasks/${entry}`);
    const outputs = await outputsOfJob(jobId);
    const tasks = await tasksOfJob(jobId);
    const held = sweep.outcomes[entry] === "finished" && outputs.length === 1 && tasks.length === 2;
    record(
      P2,
      "function instance killed in a task claimed from its created-event; the event redelivered, then the sweep",
      1,
      classify(task, "success", held),
      `same event redelivered before the lease: ${early.kind}; sweep after: ${String(sweep.outcomes[entry])}, attempt ${String(task?.attempts)}; ${outputs.length} output(s), ${tasks.length - 1} successor(s)`,
    );

    expect(sweep.outcomes[entry]).toBe("finished");
    expect(task).toMatchObject({ status: "success", attempts: 2 });
    expect(outputs).toHaveLength(1);
    expect(tasks).toHaveLength(2);
    expect(callsStartingWith(marker).map((r) => Number(r.userPrompt.slice(-1)))).toEqual([1, 2, 1, 2, 3]);
  });

  it("promise 2 (crash mid-task): a firestore_log step re-run after a crash rewrites its one row under the same id, adding none", async () => {
    const marker = uniqueId("crash-d");
    const rowsCollection = uniqueId("crashlog");
    const task: TaskConfigInput = {
      ...threeStepTask("first", marker),
      steps: [
        modelStep("s1", `${marker} step 1`, {}, { answer: "" }),
        {
          id: "log",
          name: "log",
          description: "",
          step_type: 1,
          input_config: { payload: {} },
          function_call_config: {
            function_name: "firestore_log",
            request: JSON.stringify({ collection: rowsCollection, data: { note: "one row per task run" } }),
          },
          output_config: { payload: { logged: "" } },
        },
        modelStep("s3", `${marker} step 3`, {}, { answer: "" }),
      ],
    };
    // The function step makes no model call: the second call is step 3's, so steps 1 and 2 are done at the kill.
    const { entry, child } = await crashAfterStep(task, marker, 1);
    expect(child.killed, `the child finished before the kill point:\n${child.output}`).toBe(true);
    const before = await db.collection(rowsCollection).get();
    expect(
      before.docs.map((d) => d.id),
      "the crashed run should have written its row before the kill",
    ).toEqual([`${entry}-log`]);
    const firstWrite = String(before.docs[0]!.get("timestamp"));

    await sleep(leaseEnd(await readDoc(db, `tasks/${entry}`)) - Date.now() + 50);
    await handleTaskCreated(main.deps, entry);
    const after = await db.collection(rowsCollection).get();
    const output = await readDoc(db, `outputs/${entry}`);
    const logged = JSON.parse(String(stepsOf(output)[1]?.response)) as { document_id?: string };
    const taskDoc = await readDoc(db, `tasks/${entry}`);
    const held = after.size === 1 && after.docs[0]?.id === `${entry}-log` && logged.document_id === `${entry}-log`;
    record(
      P2,
      "function instance killed after a firestore_log step; re-run",
      1,
      classify(taskDoc, "success", held),
      `${after.size} row(s) after the re-run (ids ${after.docs.map((d) => d.id).join(", ")}); first write ${firstWrite}, rewrite ${String(after.docs[0]?.get("timestamp"))}`,
    );

    expect(taskDoc).toMatchObject({ status: "success", attempts: 2 });
    expect(after.docs.map((d) => d.id)).toEqual([`${entry}-log`]);
    expect(String(after.docs[0]!.get("timestamp")) > firstWrite, "the re-run should have rewritten the row").toBe(true);
    expect(logged.document_id).toBe(`${entry}-log`);
  });

  it("promise 2 (crash mid-task): a task whose every run crashes ends failed after TASK_MAX_ATTEMPTS starts, saying so, and nothing stays running", async () => {
    const marker = uniqueId("crash-e");
    const { jobId, entry, child } = await crashAfterStep(threeStepTask("first", marker), marker, 1);
    expect(child.killed).toBe(true);
    const crashes = [child];
    for (let attempt = 2; attempt <= MAX_ATTEMPTS; attempt++) {
      await sleep(leaseEnd(await readDoc(db, `tasks/${entry}`)) - Date.now() + 50);
      const baseline = callsStartingWith(marker).length;
      standin.configure({ latencyMs: CRASH_LATENCY_MS });
      crashes.push(await runChildUntil(entry, () => callsStartingWith(marker).length >= baseline + 2));
      standin.configure({ latencyMs: 0 });
    }
    expect(crashes.every((c) => c.killed)).toBe(true);
    expect(await readDoc(db, `tasks/${entry}`)).toMatchObject({ status: "running", attempts: MAX_ATTEMPTS });

    await sleep(leaseEnd(await readDoc(db, `tasks/${entry}`)) - Date.now() + 50);
    const callsBefore = callsStartingWith(marker).length;
    const sweep = await sweepStuckWork(main.deps);
    const task = await readDoc(db, `tasks/${entry}`);
    const job = await readDoc(db, `jobs/${jobId}`);
    const running = (await tasksOfJob(jobId)).filter((t) => t.data.status === "running");
    record(
      P2,
      `every run killed mid-task (TASK_MAX_ATTEMPTS=${MAX_ATTEMPTS})`,
      MAX_ATTEMPTS,
      classify(task, "internal", running.length === 0),
      `after ${MAX_ATTEMPTS} crashed runs the sweep ended it: ${String(errorOf(task)?.message)}; job ${String(job?.status)}; ${running.length} task(s) left running`,
    );

    expect(sweep.outcomes[entry]).toBe("finished");
    expect(callsStartingWith(marker).length, "the exhausted task must not be run again").toBe(callsBefore);
    expect(task).toMatchObject({ status: "failed", attempts: MAX_ATTEMPTS + 1 });
    expect(task?.lease_expires_at).toBeUndefined();
    expect(errorOf(task)).toMatchObject({ code: "internal", retryable: false });
    expect(errorOf(task)?.message).toContain(`started ${MAX_ATTEMPTS} times and never finished`);
    expect(job).toMatchObject({ status: "failed", error: match.objectContaining({ code: "internal", task_doc_id: entry }) });
    expect(running).toEqual([]);
    expect(await readDoc(db, `tasks/${jobTaskDocId(jobId, "run1", 2, "second")}`)).toBeUndefined();
    expect((await handleTaskCreated(main.deps, entry)).kind).toBe("skipped");
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("promise 3: model faults", () => {
  const RETRYABLE: StandinFault[] = ["429", "500", "503", "504", "reset", "malformed"];
  for (const fault of RETRYABLE) {
    it(`promise 3 (model faults): two ${fault} answers in a row are retried and the task succeeds with attempts 3`, async () => {
      const id = uniqueId(`fault${fault}`);
      const prompt = `retry through ${fault} ${id}`;
      const retryDelayMs = 300;
      standin.configure({ script: [fault, fault, "ok"], retryDelayMs });
      await db.doc(`tasks/${id}`).set(oneStepTask("faulty", prompt));
      await handleTaskCreated(main.deps, id);
      const task = await readDoc(db, `tasks/${id}`);
      const step = stepsOf(await readDoc(db, `outputs/${id}`))[0];
      const calls = callsFor(prompt);
      const gaps = calls.slice(1).map((c, i) => c.receivedAt - calls[i]!.receivedAt);
      record(
        P3,
        fault === "429" ? `429 with retryDelay ${retryDelayMs} ms` : fault,
        2,
        classify(task, "success", step?.attempts === 3),
        `step attempts ${String(step?.attempts)}; waits between calls ${gaps.join(", ")} ms`,
      );

      expect(task).toMatchObject({ status: "success", attempts: 1 });
      expect(step).toMatchObject({ status: "success", attempts: 3 });
      expect(calls.map((c) => c.outcome)).toEqual([fault, fault, "ok"]);
      // Backoff here is at most RETRY_MAX_DELAY_MS (20 ms): a longer wait is the server's retryDelay, honoured.
      if (fault === "429") for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(retryDelayMs - 5);
    });
  }

  it("promise 3 (model faults): a call that times out (GEMINI_TIMEOUT_MS) is retried and the task succeeds", async () => {
    const id = uniqueId("timeout");
    const prompt = `slow answer ${id}`;
    await db.doc(`tasks/${id}`).set(oneStepTask("slow", prompt));
    standin.configure({ latencyMs: GEMINI_TIMEOUT_MS * 6 });
    const run = handleTaskCreated(withTimeout.deps, id);
    // Only the first call is slow: once it is in, answers come at once again.
    for (let i = 0; i < 400 && callsFor(prompt).length === 0; i++) await sleep(5);
    standin.configure({ latencyMs: 0 });
    await run;
    const task = await readDoc(db, `tasks/${id}`);
    const step = stepsOf(await readDoc(db, `outputs/${id}`))[0];
    record(
      P3,
      `timeout (GEMINI_TIMEOUT_MS=${GEMINI_TIMEOUT_MS}, answer after ${GEMINI_TIMEOUT_MS * 6} ms)`,
      1,
      classify(task, "success", step?.attempts === 2),
      `step attempts ${String(step?.attempts)}`,
    );

    expect(task).toMatchObject({ status: "success" });
    expect(step).toMatchObject({ status: "success", attempts: 2 });
    expect(callsFor(prompt)).toHaveLength(2);
  });

  const FATAL: { fault: StandinFault; code: "model_error" | "model_blocked"; status?: number; reason: string }[] = [
    { fault: "400", code: "model_error", status: 400, reason: "HTTP 400 INVALID_ARGUMENT: Request contains an invalid argument." },
    { fault: "403", code: "model_error", status: 403, reason: "HTTP 403 PERMISSION_DENIED: Permission denied on the model." },
    { fault: "404", code: "model_error", status: 404, reason: "HTTP 404 NOT_FOUND: The model was not found." },
    { fault: "safety", code: "model_blocked", reason: "finishReason SAFETY" },
    { fault: "blocked", code: "model_blocked", reason: "promptFeedback.blockReason SAFETY" },
    { fault: "empty", code: "model_blocked", reason: "returned no candidates" },
  ];
  for (const { fault, code, status, reason } of FATAL) {
    it(`promise 3 (model faults): a ${fault} answer fails the step at once (attempts 1) with the model's reason`, async () => {
      const id = uniqueId(`fatal${fault}`);
      const prompt = `refused with ${fault} ${id}`;
      standin.configure({ script: [fault, "ok"] });
      await db.doc(`tasks/${id}`).set(oneStepTask("refused", prompt));
      await handleTaskCreated(main.deps, id);
      standin.configure({ script: [] });
      const task = await readDoc(db, `tasks/${id}`);
      const step = stepsOf(await readDoc(db, `outputs/${id}`))[0];
      const error = errorOf(task);
      record(
        P3,
        fault === "safety" || fault === "blocked" ? `${fault} (safety block)` : fault === "empty" ? "empty candidate list" : fault,
        1,
        classify(task, code, step?.attempts === 1 && callsFor(prompt).length === 1),
        `${String(error?.code)} after ${String(step?.attempts)} attempt(s): ${String(error?.message)}`,
      );

      expect(callsFor(prompt)).toHaveLength(1);
      expect(task).toMatchObject({ status: "failed" });
      expect(error).toMatchObject({ code, attempts: 1, retryable: false, step_id: "refused-step" });
      expect(error?.status).toBe(status);
      expect(error?.message).toContain(reason);
      expect(step).toMatchObject({ status: "failed", attempts: 1 });
    });
  }

  it("promise 3 (model faults): when retries run out the task fails with the last error and its attempts, the job fails, and nothing is committed after it", async () => {
    const jobId = uniqueId("giveup");
    const prompt = `always overloaded ${jobId}`;
    standin.configure({ script: ["503", "503", "503", "ok"] });
    const entry = await startQueuedJob(jobId, twoTaskJob(jobId, oneStepTask("first", prompt)));
    await handleTaskCreated(main.deps, entry);
    standin.configure({ script: [] });
    const task = await readDoc(db, `tasks/${entry}`);
    const job = await readDoc(db, `jobs/${jobId}`);
    const tasks = await tasksOfJob(jobId);
    const output = await readDoc(db, `outputs/${entry}`);
    record(
      P3,
      `503 on every attempt (RETRY_MAX_ATTEMPTS=${RETRY_MAX_ATTEMPTS})`,
      RETRY_MAX_ATTEMPTS,
      classify(task, "model_error", tasks.length === 1 && job?.status === "failed"),
      `${String(errorOf(task)?.message)}; attempts ${String(errorOf(task)?.attempts)}; job ${String(job?.status)}; ${tasks.length - 1} successor(s)`,
    );

    expect(callsFor(prompt)).toHaveLength(RETRY_MAX_ATTEMPTS);
    expect(task).toMatchObject({ status: "failed" });
    expect(errorOf(task)).toMatchObject({ code: "model_error", status: 503, attempts: RETRY_MAX_ATTEMPTS });
    expect(errorOf(task)?.message).toContain(`gave up after ${RETRY_MAX_ATTEMPTS} attempts`);
    expect(errorOf(task)?.message).toContain("HTTP 503 UNAVAILABLE");
    expect(output).toMatchObject({ status: "failed" });
    expect(job).toMatchObject({
      status: "failed",
      tasks_done: 0,
      error: match.objectContaining({ code: "model_error", status: 503, task_doc_id: entry }),
    });
    expect(tasks.map((t) => t.id)).toEqual([entry]);
    expect(task?.next_task_doc_id).toBeUndefined();
  });

  it("promise 3 (model faults): a task that runs out of its time budget fails with deadline_exceeded well before budget + latency", async () => {
    const id = uniqueId("deadline");
    const prompt = `never answered in time ${id}`;
    const latencyMs = 5000;
    standin.configure({ latencyMs });
    await db.doc(`tasks/${id}`).set(oneStepTask("late", prompt));
    const started = Date.now();
    await handleTaskCreated(withBudget.deps, id);
    const elapsed = Date.now() - started;
    standin.configure({ latencyMs: 0 });
    const task = await readDoc(db, `tasks/${id}`);
    record(
      P3,
      `deadline (TASK_RUN_BUDGET_MS=${RUN_BUDGET_MS}, answer after ${latencyMs} ms)`,
      1,
      classify(task, "deadline_exceeded", elapsed < RUN_BUDGET_MS + 1000),
      `ended after ${elapsed} ms: ${String(errorOf(task)?.message)}`,
    );

    expect(task).toMatchObject({ status: "failed", error: match.objectContaining({ code: "deadline_exceeded" }) });
    // The message says which setting sets the budget, and how far it may go.
    expect(errorOf(task)?.message).toContain(
      `the run budget of ${RUN_BUDGET_MS / 1000} s was spent; TASK_RUN_BUDGET_MS sets it, at most 480000`,
    );
    expect(elapsed).toBeGreaterThanOrEqual(RUN_BUDGET_MS - 50);
    expect(elapsed).toBeLessThan(RUN_BUDGET_MS + 1000);
    expect(callsFor(prompt)).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("promise 5: runaway chains", () => {
  it(`promise 5 (runaway chains): a bare chain looping through task_configs/ stops at TASK_MAX_HOPS (${MAX_HOPS}) with hop_limit, before the task that would pass it does any work`, async () => {
    const prefix = uniqueId("loop");
    // A four-task cycle: longer than the hop limit, so the entry's look-ahead cannot see the cycle and the limit must stop it.
    const ids = [1, 2, 3, 4].map((n) => `${prefix}-l${n}`);
    await Promise.all(
      ids.map((id, i) => db.doc(`task_configs/${id}`).set(oneStepTask(id, `${prefix} hop via ${id}`, {}, ids[(i + 1) % ids.length]))),
    );
    const entry = uniqueId("loop-entry");
    await db.doc(`tasks/${entry}`).set(oneStepTask("entry", `${prefix} entry`, {}, ids[0]));

    const chain: string[] = [];
    for (let id: string | undefined = entry; id && chain.length < 10;) {
      chain.push(id);
      await handleTaskCreated(main.deps, id);
      id = (await readDoc(db, `tasks/${id}`))?.next_task_doc_id as string | undefined;
    }
    const docs = await Promise.all(chain.map((id) => readDoc(db, `tasks/${id}`)));
    const last = docs[docs.length - 1];
    const calls = callsStartingWith(prefix).length;
    record(
      P5,
      `bare chain cycling through 4 library tasks (TASK_MAX_HOPS=${MAX_HOPS})`,
      1,
      classify(last, "hop_limit", chain.length === MAX_HOPS && calls === MAX_HOPS - 1),
      `${chain.length} tasks, ${calls} ran; last: ${String(errorOf(last)?.message)}`,
    );

    expect(chain).toEqual([entry, chainedTaskDocId(entry, ids[0]!), chainedTaskDocId(chainedTaskDocId(entry, ids[0]!), ids[1]!)]);
    expect(docs.map((d) => d?.status)).toEqual(["success", "success", "failed"]);
    // A bare task written by a client has no hop field: it is hop 1.
    expect(docs.map((d) => d?.hop ?? 1)).toEqual([1, 2, 3]);
    expect(errorOf(last)).toMatchObject({ code: "hop_limit", retryable: false });
    expect(errorOf(last)?.message).toContain(`hop limit (${MAX_HOPS} tasks)`);
    expect(calls, "the task at the limit must not call the model").toBe(MAX_HOPS - 1);
    expect(await readDoc(db, `outputs/${chain[2]}`)).toBeUndefined();
  });

  it("promise 5 (runaway chains): a job runs exactly max_hops tasks; one whose chain is longer is refused at start; one whose limit drops mid-run stops with hop_limit", async () => {
    const three = (jobId: string, maxHops: number): Doc => ({
      job_id: jobId,
      status: "queued",
      max_hops: maxHops,
      task_config: oneStepTask("a", `${jobId} a`, {}, "b"),
      task_configs: [oneStepTask("b", `${jobId} b`, {}, "c"), oneStepTask("c", `${jobId} c`)],
    });
    const runAll = async (jobId: string) => {
      for (let round = 0; round < 5; round++) {
        const queued = (await tasksOfJob(jobId)).filter((t) => t.data.status === "queued");
        if (!queued.length) return;
        for (const t of queued) await handleTaskCreated(main.deps, t.id);
      }
    };

    const atLimit = uniqueId("hops-at");
    await startQueuedJob(atLimit, three(atLimit, 3));
    await runAll(atLimit);
    const atLimitJob = await readDoc(db, `jobs/${atLimit}`);

    const over = uniqueId("hops-over");
    await db.doc(`jobs/${over}`).set(three(over, 2));
    const refused = await startJobRun(main.deps, over, { fromStatuses: ["queued"] });
    const overJob = await readDoc(db, `jobs/${over}`);

    const lowered = uniqueId("hops-lowered");
    const entry = await startQueuedJob(lowered, three(lowered, 3));
    await db.doc(`jobs/${lowered}`).update({ max_hops: 2 });
    await runAll(lowered);
    const loweredJob = await readDoc(db, `jobs/${lowered}`);
    const loweredTasks = await tasksOfJob(lowered);
    record(
      P5,
      "job at its max_hops / over it at start / limit lowered mid-run",
      3,
      atLimitJob?.status === "success" && overJob?.status === "failed" && loweredTasks.length === 2
        ? classify(loweredJob, "hop_limit")
        : "lost",
      `at the limit: ${String(atLimitJob?.status)} (${String(atLimitJob?.tasks_done)} tasks); over it: ${refused.kind}, ${String(errorOf(overJob)?.message)}; lowered: ${String(errorOf(loweredJob)?.message)}`,
    );

    expect(atLimitJob).toMatchObject({ status: "success", tasks_done: 3 });
    expect(refused.kind).toBe("invalid");
    expect(overJob).toMatchObject({ status: "failed", error: match.objectContaining({ code: "invalid_config" }) });
    expect(errorOf(overJob)?.message).toContain(
      "task_configs: the job lists 3 tasks (task_config and 2 task_configs) but a chain runs at most 2 (max_hops)",
    );
    expect(await tasksOfJob(over)).toEqual([]);
    expect(loweredJob).toMatchObject({
      status: "failed",
      tasks_done: 2,
      error: match.objectContaining({ code: "hop_limit", task_doc_id: jobTaskDocId(lowered, "run1", 2, "b") }),
    });
    expect(loweredTasks.map((t) => t.id).sort()).toEqual([entry, jobTaskDocId(lowered, "run1", 2, "b")].sort());
  });

  it("promise 5 (runaway chains): two finishers of the same attempt commit one output and one successor", async () => {
    const jobId = uniqueId("twofinish");
    const entry = await startQueuedJob(jobId, twoTaskJob(jobId, oneStepTask("first", `${jobId} first`)));
    const claim = await claimTask(main.deps, entry);
    if (claim.kind !== "claimed") throw new Error(`claim failed: ${JSON.stringify(claim)}`);
    const run = await runTaskSteps(claim.config, entry, main.deps.engine);
    const input = { taskDocId: entry, envelope: claim.envelope, attempt: claim.attempt, config: claim.config, record: run };
    const results = await Promise.all([finishTask(main.deps, input), finishTask(main.deps, input)]);
    const tasks = await tasksOfJob(jobId);
    const outputs = await outputsOfJob(jobId);
    const job = await readDoc(db, `jobs/${jobId}`);
    const finished = results.filter((r) => r.kind === "finished").length;
    record(
      P5,
      "two finishers of the same attempt at once",
      2,
      classify(
        await readDoc(db, `tasks/${entry}`),
        "success",
        finished === 1 && tasks.length === 2 && outputs.length === 1 && job?.tasks_done === 1,
      ),
      `${results.map((r) => r.kind).join(" + ")}; ${outputs.length} output(s), ${tasks.length - 1} successor(s), tasks_done ${String(job?.tasks_done)}`,
    );

    expect(results.map((r) => r.kind).sort()).toEqual(["finished", "lost"]);
    expect(outputs).toHaveLength(1);
    expect(tasks).toHaveLength(2);
    expect(job).toMatchObject({ tasks_done: 1, current_task_doc_id: jobTaskDocId(jobId, "run1", 2, "second") });
  });

  it("promise 5 (runaway chains): a run that outlives its lease cannot commit after the take-over: one output, one successor", async () => {
    const jobId = uniqueId("zombie");
    const prompt = `${jobId} slow first`;
    const entry = await startQueuedJob(jobId, twoTaskJob(jobId, oneStepTask("first", prompt)));
    standin.configure({ latencyMs: 700 });
    const first = handleTaskCreated(shortLease.deps, entry);
    for (let i = 0; i < 400 && callsFor(prompt).length === 0; i++) await sleep(5);
    await sleep(leaseEnd(await readDoc(db, `tasks/${entry}`)) - Date.now() + 20);
    const second = handleTaskCreated(shortLease.deps, entry);
    const [zombie, takeover] = await Promise.all([first, second]);
    const tasks = await tasksOfJob(jobId);
    const outputs = await outputsOfJob(jobId);
    const task = await readDoc(db, `tasks/${entry}`);
    record(
      P5,
      "a run outliving its lease finishes after a take-over",
      1,
      classify(task, "success", zombie.kind === "lost" && outputs.length === 1 && tasks.length === 2),
      `late run: ${zombie.kind}; take-over: ${takeover.kind}; ${outputs.length} output(s) (attempt ${String(outputs[0]?.data.attempt)}), ${tasks.length - 1} successor(s)`,
    );

    expect(callsFor(prompt)).toHaveLength(2);
    expect(zombie.kind).toBe("lost");
    expect(takeover).toMatchObject({ kind: "finished", status: "success" });
    expect(task).toMatchObject({ status: "success", attempts: 2 });
    expect(outputs.map((o) => o.data.attempt)).toEqual([2]);
    expect(tasks).toHaveLength(2);
  });

  /**
   * Starts a two-task job, puts a document at its successor's id as another writer would, and delivers the entry
   * task; then lets leases expire and redelivers, as the sweep would, until the entry task is no longer running.
   */
  async function collideWithSuccessor(label: string) {
    const jobId = uniqueId(label);
    const prompt = `${jobId} first`;
    const entry = await startQueuedJob(jobId, twoTaskJob(jobId, oneStepTask("first", prompt)));
    const successorId = jobTaskDocId(jobId, "run1", 2, "second");
    const other = { task_id: "second", job_id: jobId, run_id: "run1", hop: 2, status: "queued", attempts: 0, written_by: "another writer" };
    await db.doc(`tasks/${successorId}`).set(other);
    const outcome = await handleTaskCreated(shortLease.deps, entry);
    const afterFirst = await readDoc(db, `tasks/${entry}`);
    for (let i = 0; i <= MAX_ATTEMPTS && (await readDoc(db, `tasks/${entry}`))?.status === "running"; i++) {
      await sleep(leaseEnd(await readDoc(db, `tasks/${entry}`)) - Date.now() + 20);
      await handleTaskCreated(shortLease.deps, entry);
    }
    return {
      jobId,
      successorId,
      other,
      outcome,
      afterFirst,
      task: await readDoc(db, `tasks/${entry}`),
      successor: await readDoc(db, `tasks/${successorId}`),
      tasks: await tasksOfJob(jobId),
      outputs: await outputsOfJob(jobId),
      calls: callsFor(prompt).length,
    };
  }

  it("promise 5 (runaway chains): a successor document already at the deterministic id is never overwritten and no second output is written", async () => {
    const { other, outcome, task, successor, tasks, outputs } = await collideWithSuccessor("precreated");
    const forked = successor?.written_by !== "another writer" || tasks.length !== 2 || outputs.length > 1;
    record(
      P5,
      "successor pre-created at the deterministic id by another writer",
      1,
      forked ? "lost" : "survived",
      `first delivery: ${JSON.stringify(outcome)}; successor ${forked ? "overwritten or doubled" : "untouched"}; ${outputs.length} output(s); predecessor in the end ${String(task?.status)}`,
    );

    expect(successor).toEqual(other);
    expect(tasks).toHaveLength(2);
    expect(outputs.length).toBeLessThanOrEqual(1);
  });

  // The chain does not fork above, but finishTask takes the ALREADY_EXISTS of the successor's create() for "another
  // attempt already wrote this task's output" and leaves the task `running`: each lease expiry re-runs it (its model
  // calls again) until TASK_MAX_ATTEMPTS, and it ends failed saying it "crashed or timed out".
  it("promise 5 (runaway chains): a predecessor whose successor id is taken ends on its first run, saying why, and is not re-run", async () => {
    const { successorId, outcome, afterFirst, task, calls } = await collideWithSuccessor("taken");
    const ended =
      afterFirst?.status === "success" || (afterFirst?.status === "failed" && String(errorOf(afterFirst)?.message).includes(successorId));
    record(
      P5,
      "successor id taken: what becomes of the predecessor",
      1,
      ended && calls === 1 ? (afterFirst?.status === "success" ? "survived" : "failed clearly") : "lost",
      `first delivery: ${JSON.stringify(outcome)}, leaving it ${String(afterFirst?.status)}; in the end ${String(task?.status)} after ${calls} run(s): ${String(errorOf(task)?.message)}`,
    );

    // Soft, so that a failure lists every part of the problem at once.
    expect.soft(outcome.kind === "lost" ? outcome.reason : "", "the reason given").not.toContain("already wrote this task's output");
    expect.soft(afterFirst?.status, "the predecessor was left running, to be re-run by the sweep").not.toBe("running");
    if (afterFirst?.status === "failed") expect.soft(errorOf(afterFirst)?.message).toContain(successorId);
    expect.soft(calls, "the task's model calls were repeated").toBe(1);
    expect.soft(errorOf(task)?.message ?? "", "the error it ended with").not.toContain("crashed or timed out");
  });

  it("promise 5 (runaway chains): a job document rewritten under the same id (as a re-seed does) starts a new run without colliding with the old run's tasks", async () => {
    const jobId = uniqueId("reseeded");
    // As `npm run seed` then `npm run start-job` do: the job is written pending and started from any settled status.
    const seeded = { ...twoTaskJob(jobId, oneStepTask("first", `${jobId} first`)), status: "pending" };
    const fromStatuses = ["pending", "queued", "success", "failed"];
    await db.doc(`jobs/${jobId}`).set(seeded);
    await startJobRun(main.deps, jobId, { fromStatuses });
    await handleTaskCreated(main.deps, jobTaskDocId(jobId, "run1", 1, "first"));
    await handleTaskCreated(main.deps, jobTaskDocId(jobId, "run1", 2, "second"));
    expect(await readDoc(db, `jobs/${jobId}`)).toMatchObject({ status: "success", runs: 1 });

    // Seeding again replaces the job document, run state and all; then it is started again.
    await db.doc(`jobs/${jobId}`).set(seeded);
    let started: Awaited<ReturnType<typeof startJobRun>> | undefined;
    let thrown = "";
    try {
      started = await startJobRun(main.deps, jobId, { fromStatuses });
    } catch (err) {
      thrown = describeError(err);
    }
    const after = await readDoc(db, `jobs/${jobId}`);
    record(
      P5,
      "job document rewritten under the same id (re-seed) and started again",
      1,
      started?.kind === "started" ? "survived" : after?.status === "failed" ? "failed clearly" : "lost",
      thrown ? `startJob threw: ${thrown}; job left ${String(after?.status)}` : `start: ${JSON.stringify(started)}`,
    );

    expect(thrown, "startJob threw instead of starting the job or failing it with a reason").toBe("");
    expect(started?.kind).toBe("started");
    const entry = (started as { entryTaskDocId?: string } | undefined)?.entryTaskDocId;
    expect(entry).not.toBe(jobTaskDocId(jobId, "run1", 1, "first"));
  });
});

// ---------------------------------------------------------------------------------------------------------

describe("promise 6: output size", () => {
  /** ~`bytes` of ASCII text whose lines differ, so that a wrong reassembly order shows. */
  const longText = (bytes: number) => {
    const lines: string[] = [];
    for (let n = 0, size = 0; size < bytes; n++) {
      const line = `line ${n} of a long input that the stand-in echoes back\n`;
      lines.push(line);
      size += line.length;
    }
    return lines.join("");
  };

  /** The full text of one cut field, put back together from outputs/{id}/overflow/. */
  async function reassemble(taskDocId: string, stepIndex: number, field: string, attempt = 1): Promise<{ text: string; pieces: number }> {
    const overflow = db.collection(`outputs/${taskDocId}/overflow`);
    const snap = await overflow.where("attempt", "==", attempt).where("step_index", "==", stepIndex).where("field", "==", field).get();
    const pieces = snap.docs.map((d) => d.data() as { piece: number; pieces: number; text: string }).sort((a, b) => a.piece - b.piece);
    expect(pieces.map((p) => p.piece)).toEqual(pieces.map((_, i) => i));
    expect(pieces.every((p) => p.pieces === pieces.length)).toBe(true);
    return { text: pieces.map((p) => p.text).join(""), pieces: pieces.length };
  }

  it("promise 6 (output size): a run record over 1 MiB is truncated with the marker, `truncated` gives the full lengths, and overflow/ holds the full text", async () => {
    const id = uniqueId("bigrecord");
    const input = longText(600_000);
    await db.doc(`tasks/${id}`).set(oneStepTask("big", "%text%", { text: input }));
    await handleTaskCreated(main.deps, id);
    const task = await readDoc(db, `tasks/${id}`);
    const output = await readDoc(db, `outputs/${id}`);
    const step = stepsOf(output)[0]!;
    const answer = (output?.output_payload as { answer?: string } | undefined)?.answer ?? "";
    const response = await reassemble(id, 0, "response");
    const prompt = await reassemble(id, 0, "user_prompt");
    const held = response.text === answer && prompt.text === input && step.truncated?.response === answer.length;
    record(
      P6,
      `run record of ${Math.round((input.length * 3) / 1000)} KB (prompt, answer, payload)`,
      1,
      classify(task, "success", held),
      `truncated ${JSON.stringify(step.truncated)}; overflow: response in ${response.pieces} piece(s), user_prompt in ${prompt.pieces}; reassembled ${held ? "equal" : "different"}`,
    );

    expect(task).toMatchObject({ status: "success" });
    expect(answer.endsWith(input)).toBe(true);
    expect(step.truncated).toEqual({ response: answer.length, user_prompt: input.length });
    expect(step.response).toContain("[truncated");
    expect(step.user_prompt).toContain("[truncated");
    expect(step.response!.length).toBeLessThan(answer.length);
    expect(response.text).toBe(answer);
    expect(prompt.text).toBe(input);
  });

  it("promise 6 (output size): a run record of many large steps, over the 10 MiB a commit may hold, keeps its pieces outside the finishing commit and ends once", async () => {
    const id = uniqueId("hugerun");
    const input = longText(900_000);
    // Each step's prompt is the previous step's answer (the stand-in echoes its prompt): about 1.8 MB a step.
    const bigSteps = Array.from({ length: 7 }, (_, n) =>
      n === 0
        ? modelStep("big1", "%text%", { text: "" }, { a1: "" })
        : modelStep(`big${n + 1}`, `%a${n}%`, { [`a${n}`]: "" }, { [`a${n + 1}`]: "" }),
    );
    const steps = [...bigSteps, modelStep("last", "sum it up", {}, { answer: "" })];
    await db
      .doc(`tasks/${id}`)
      .set({ task_id: "huge-run", input_config: { payload: { text: input } }, steps, output_config: { payload: { answer: "" } } });
    // A run this large is past the default MAX_RUN_CHARS (10 million): an operator who raises it still gets every
    // record written whole (and below the default, a run of non-ASCII text can pass 10 MiB as well).
    const roomy = await createPipelineRuntime(pipelineEnv({ MAX_RUN_CHARS: "40000000" }));
    const outcome = await handleTaskCreated(roomy.deps, id).finally(() => roomy.runtime.close());
    const task = await readDoc(db, `tasks/${id}`);
    const output = await readDoc(db, `outputs/${id}`);
    // A field cut from the output document is whole in overflow/; one left uncut is whole in the document.
    const whole = async (n: number, field: "response" | "user_prompt") =>
      stepsOf(output)[n]?.truncated?.[field] ? (await reassemble(id, n, field)).text : String(stepsOf(output)[n]?.[field]);
    const responses = await Promise.all(bigSteps.map((_, n) => whole(n, "response")));
    const prompts = await Promise.all(bigSteps.map((_, n) => whole(n, "user_prompt")));
    const total = bigSteps.length * 2 * input.length;
    const held = outcome.kind === "finished" && prompts[0] === input && responses.every((r, n) => r.endsWith(prompts[n]!));
    const cut = stepsOf(output).reduce((sum, step) => sum + Object.keys(step.truncated ?? {}).length, 0);
    record(
      P6,
      `run record of ${Math.round(total / 1_000_000)} MB over ${bigSteps.length + 1} steps (more than one commit may hold)`,
      1,
      classify(task, "success", held),
      `${outcome.kind}; ${cut} fields cut from the output document, kept whole in overflow/, written before the commit`,
    );

    expect(outcome).toMatchObject({ kind: "finished", status: "success" });
    expect(task).toMatchObject({ status: "success", attempts: 1 });
    expect(stepsOf(output)).toHaveLength(bigSteps.length + 1);
    expect(cut).toBeGreaterThan(10);
    expect(prompts[0]).toBe(input);
    for (const [n, response] of responses.entries()) expect(response.endsWith(prompts[n]!)).toBe(true);
  });

  it("promise 6 (output size): an output payload too large to store fails the task with output_too_large, keeping the full values in overflow/", async () => {
    const id = uniqueId("bigpayload");
    const input = longText(720_000);
    await db.doc(`tasks/${id}`).set(oneStepTask("huge", "%text%", { text: input }));
    const outcome = await handleTaskCreated(main.deps, id);
    const task = await readDoc(db, `tasks/${id}`);
    const output = await readDoc(db, `outputs/${id}`);
    const kept = await reassemble(id, -1, "output_payload.answer");
    const held = kept.text.endsWith(input) && kept.text.length > input.length;
    record(
      P6,
      `output payload of ${Math.round(kept.text.length / 1000)} KB (limit 700 KB)`,
      1,
      classify(task, "output_too_large", held),
      `${outcome.kind}; ${String(errorOf(task)?.message)}; overflow: payload in ${kept.pieces} piece(s)`,
    );

    expect(task).toMatchObject({ status: "failed", error: match.objectContaining({ code: "output_too_large", retryable: false }) });
    expect(errorOf(task)?.message).toContain(`outputs/${id}/overflow/`);
    expect(output).toMatchObject({ status: "failed", error: match.objectContaining({ code: "output_too_large" }) });
    expect((output?.output_payload as { answer: string }).answer).toContain("too large");
    expect(kept.text.endsWith(input)).toBe(true);
    expect(kept.text.length).toBe(stepsOf(output)[0]!.truncated?.response);
  });
});
