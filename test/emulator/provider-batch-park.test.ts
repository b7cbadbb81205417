// Promise 19, provider batch mode's park and resume (docs/provider-batch.md, steps 1-3 and 6): a task whose model step
// has no stored answer parks on batch_requests/{key} without calling the model, and goes on when the answer is stored,
// paid at the batch price, in the attempt it parked in. The collector's part (vendor jobs) is simulated here: the test
// stores the answer and marks the request as the collector does, then resumes the task as its queue would.
import { Timestamp, type Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { onSubmitJob } from "../../functions/src/submit-job-body";
import { onJobCreated } from "../../functions/src/trigger-bodies";
import { createPipelineRuntime, type PipelineRuntime } from "../../shared/pipeline/create-pipeline-deps";
import { endJob } from "../../shared/pipeline/cancel-job";
import { handleTaskCreated } from "../../shared/pipeline/handle-task-created";
import { sweepStuckWork } from "../../shared/pipeline/sweep-stuck-work";
import { answerWrites } from "../../shared/pipeline/response-store";
import { startStandin, type Standin } from "../../local/standin/standin-server";
import { verifiedCaller } from "../support/callers";
import { readDoc, requireEmulator, uniqueId } from "../support/firestore-test-env";
import { writeResultRows } from "../support/reliability-rows";
import { oneStepTask } from "../support/sample-configs";

type Doc = Record<string, unknown>;
type Outcome = "survived" | "failed clearly" | "lost";
const rows: { promise: string; fault: string; times: number; outcome: Outcome; detail: string }[] = [];
const record = (fault: string, outcome: Outcome, detail: string) =>
  rows.push({ promise: "19 provider batch", fault, times: 1, outcome, detail });

let db: Firestore;
let standin: Standin;
let runtime: PipelineRuntime;
const resumed: { taskDocId: string; key: string }[] = [];
let polls = 0;
const now = () => new Date().toISOString();
const paid = (marker: string) => standin.requests().filter((r) => r.userPrompt.includes(marker)).length;

beforeAll(async () => {
  requireEmulator();
  standin = await startStandin();
  process.env.GEMINI_BASE_URL = standin.url;
  for (const name of ["GEMINI_API_KEY", "LLM_MODEL_TABLE", "MAX_RUNNING_JOBS_PER_USER", "SUBMITTERS"]) delete process.env[name];
  vi.spyOn(logger, "info").mockImplementation(() => undefined);
  runtime = await createPipelineRuntime(process.env);
  runtime.deps.providerBatch = {
    resume: (taskDocId, key) => Promise.resolve(void resumed.push({ taskDocId, key })),
    schedulePoll: () => Promise.resolve(void polls++),
  };
  db = runtime.deps.db;
});
beforeEach(() => {
  resumed.length = 0;
  polls = 0;
});
afterAll(async () => {
  const dir = process.env.RELIABILITY_RESULTS_DIR;
  if (dir) writeResultRows(dir, "provider-batch-park.test.ts", rows);
  await runtime?.runtime.close();
  await standin?.close();
});

/** A two-task job in provider batch mode: each task one model step, the second reading the first's answer. */
function batchModeJob(marker: string): Doc {
  return {
    execution: "provider_batch",
    task_config: oneStepTask("first", `first ${marker}`, {}, "second", "a"),
    task_configs: [oneStepTask("second", `second ${marker} %a%`, { a: "" }, "", "b")],
  };
}

async function startedJob(marker: string, uid = uniqueId("owner")): Promise<{ jobId: string; taskDocId: string }> {
  const jobId = (await onSubmitJob(verifiedCaller(uid), { job: batchModeJob(marker) })).job_id;
  await onJobCreated(jobId, now());
  const job = await readDoc(db, `jobs/${jobId}`);
  return { jobId, taskDocId: String(job?.current_task_doc_id) };
}

/** What the collector does with a vendor's answer: the response store entry (billing batch) and the request answered. */
async function answer(key: string, text: string): Promise<void> {
  const request = (await readDoc(db, `batch_requests/${key}`))!;
  const at = Date.now();
  const usage = { prompt_tokens: 1000, output_tokens: 1000, total_tokens: 2000 };
  const writes = answerWrites(
    key,
    { text, finishReason: "STOP", usage },
    request as { provider: string; model: string },
    (request.owner_uid as string | null) ?? undefined,
    {
      at,
      expiresAt: at + 86_400_000,
    },
  );
  for (const w of writes) await db.doc(w.path).set({ ...w.data, billing: "batch", stored_at: Timestamp.fromMillis(at) });
  await db.doc(`batch_requests/${key}`).update({ state: "answered", updated_at: Timestamp.fromMillis(at) });
}

describe("promise 19: provider batch mode parks a task on its model call and resumes it with the batch's answer", () => {
  it("promise 19: the first task parks without calling the model, and once answered goes on at the batch price in the same attempt", async () => {
    const marker = uniqueId("park");
    const { jobId, taskDocId } = await startedJob(marker);
    const parked = await handleTaskCreated(runtime.deps, taskDocId);
    const task = await readDoc(db, `tasks/${taskDocId}`);
    const key = String(task?.waiting_for);
    const request = await readDoc(db, `batch_requests/${key}`);
    expect(parked).toEqual({ kind: "waiting", key });
    expect(task).toMatchObject({ status: "waiting", attempts: 1 });
    expect(request).toMatchObject({ state: "queued", waiters: [taskDocId], provider: "gemini", submissions: 0 });
    expect((request?.request as { user_prompt: string }).user_prompt).toBe(`first ${marker}`);
    expect(polls).toBe(1);
    expect(paid(marker)).toBe(0);

    await answer(key, `the batch's answer for ${marker}`);
    const ended = await handleTaskCreated(runtime.deps, taskDocId);
    const output = await readDoc(db, `outputs/${taskDocId}`);
    const step = (output?.steps as Doc[])[0]!;
    const next = await readDoc(db, `tasks/${String((await readDoc(db, `tasks/${taskDocId}`))?.next_task_doc_id)}`);
    const held =
      ended.kind === "finished" &&
      step.billing === "batch" &&
      paid(marker) === 0 &&
      (await readDoc(db, `tasks/${taskDocId}`))?.attempts === 1;
    record(
      "a task in provider batch mode whose answer is not stored, then answered",
      held ? "survived" : "lost",
      `parked on ${key.slice(0, 8)}…, ${paid(marker)} direct calls; resumed: ${ended.kind}, billing ${String(step.billing)}, cost ${JSON.stringify(step.cost)}`,
    );
    expect(ended).toMatchObject({ kind: "finished", status: "success" });
    expect(step).toMatchObject({ billing: "batch", usage: { total_tokens: 2000 }, response: `the batch's answer for ${marker}` });
    expect(step.cached).toBeUndefined();
    // gemini-2.5-flash's batch price is its standard one unless the price table says otherwise: here, not zero.
    expect((step.cost as { usd: number }).usd).toBeGreaterThan(0);
    expect((await readDoc(db, `tasks/${taskDocId}`))?.attempts).toBe(1);
    expect(next).toMatchObject({ status: "queued", task_id: "second" });
    expect((await readDoc(db, `jobs/${jobId}`))?.status).toBe("running");
  });

  it("promise 19: a task parked on a request the vendor failed ends failed with the vendor's reason, naming the step", async () => {
    const marker = uniqueId("fails");
    const { jobId, taskDocId } = await startedJob(marker);
    await handleTaskCreated(runtime.deps, taskDocId);
    const key = String((await readDoc(db, `tasks/${taskDocId}`))?.waiting_for);
    await db.doc(`batch_requests/${key}`).update({
      state: "failed",
      error: { code: "model_error", message: "HTTP 400: max_tokens: Field required", status: 400, retryable: false },
      updated_at: Timestamp.now(),
    });
    const ended = await handleTaskCreated(runtime.deps, taskDocId);
    const job = await readDoc(db, `jobs/${jobId}`);
    const error = job?.error as { code: string; message: string; step_id: string };
    record(
      "a task in provider batch mode whose request the vendor refused",
      ended.kind === "finished" && error?.code === "model_error" ? "failed clearly" : "lost",
      `job ${String(job?.status)}: ${error?.message}`,
    );
    expect(ended).toMatchObject({ kind: "finished", status: "failed" });
    expect(job?.status).toBe("failed");
    expect(error).toMatchObject({ code: "model_error", step_id: "first-step" });
    expect(error.message).toContain("max_tokens: Field required");
  });

  it("promise 19: two tasks of one owner asking the very same join one request: one vendor call for both", async () => {
    const marker = uniqueId("join");
    const uid = uniqueId("owner");
    const a = await startedJob(marker, uid);
    const b = await startedJob(marker, uid);
    await handleTaskCreated(runtime.deps, a.taskDocId);
    await handleTaskCreated(runtime.deps, b.taskDocId);
    const key = String((await readDoc(db, `tasks/${a.taskDocId}`))?.waiting_for);
    expect((await readDoc(db, `tasks/${b.taskDocId}`))?.waiting_for).toBe(key);
    expect((await readDoc(db, `batch_requests/${key}`))?.waiters).toEqual([a.taskDocId, b.taskDocId]);
  });

  it("promise 19: a job cancelled while its task waits on a vendor batch ends the task cancelled; the resume then runs nothing", async () => {
    const marker = uniqueId("cancel");
    const { jobId, taskDocId } = await startedJob(marker);
    await handleTaskCreated(runtime.deps, taskDocId);
    const key = String((await readDoc(db, `tasks/${taskDocId}`))?.waiting_for);
    const ended = await endJob(
      runtime.deps,
      jobId,
      "cancelled",
      { code: "cancelled", message: "cancelled by its owner", retryable: false },
      ["running"],
    );
    await answer(key, "too late");
    const resumedRun = await handleTaskCreated(runtime.deps, taskDocId);
    const task = await readDoc(db, `tasks/${taskDocId}`);
    record(
      "a job cancelled while its task waits on a vendor batch, then the answer comes",
      task?.status === "failed" && resumedRun.kind === "skipped" ? "failed clearly" : "lost",
      `task ${String(task?.status)} (${String((task?.error as { code?: string } | undefined)?.code)}); the resume: ${resumedRun.kind}`,
    );
    expect(ended).toMatchObject({ kind: "ended", endedTaskDocId: taskDocId });
    expect(task).toMatchObject({ status: "failed", error: { code: "cancelled" } });
    expect(resumedRun.kind).toBe("skipped");
    expect(paid(marker)).toBe(0);
  });

  it("promise 19: a task waiting longer than BATCH_MAX_WAIT_HOURS is ended by the sweep, deadline_exceeded, and its job fails", async () => {
    const marker = uniqueId("overdue");
    const { jobId, taskDocId } = await startedJob(marker);
    await handleTaskCreated(runtime.deps, taskDocId);
    await db.doc(`tasks/${taskDocId}`).update({ waiting_since: Timestamp.fromMillis(Date.now() - 73 * 3_600_000) });
    const sweep = await sweepStuckWork({ ...runtime.deps, engine: runtime.deps.engine });
    const task = await readDoc(db, `tasks/${taskDocId}`);
    const job = await readDoc(db, `jobs/${jobId}`);
    record(
      "a task parked on a vendor batch for 73 h (a job stuck at its vendor)",
      task?.status === "failed" && job?.status === "failed" ? "failed clearly" : "lost",
      `sweep ended ${sweep.overdue.length} overdue task(s); task ${String(task?.status)}: ${String((task?.error as { message?: string } | undefined)?.message)}`,
    );
    expect(sweep.overdue).toContain(taskDocId);
    expect(task).toMatchObject({ status: "failed", error: { code: "deadline_exceeded" } });
    expect((task?.error as { message: string }).message).toContain("BATCH_MAX_WAIT_HOURS");
    expect(job).toMatchObject({ status: "failed", error: { code: "deadline_exceeded" } });
  });

  it("promise 19: a job in provider batch mode with a Vertex AI model is refused when submitted, naming the step", async () => {
    const job = batchModeJob("vertex");
    ((job.task_config as Doc).steps as Doc[])[0]!.model_query_config = {
      model_key: "VERTEX_GEMINI_FLASH",
      parameters: {},
      system_prompt: "",
      user_prompt: "x",
    };
    const refused = await onSubmitJob(verifiedCaller(uniqueId("owner")), { job }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(refused?.message).toContain("task_config.steps[0].model_query_config.model_key");
    expect(refused?.message).toContain("Vertex AI batch prediction needs Cloud Storage");
  });
});
