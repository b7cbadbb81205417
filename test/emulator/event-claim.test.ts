// The one-write claim from the created-event and the one-commit finish, against the Firestore emulator.
import type { Firestore } from "firebase-admin/firestore";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { ReadDocument } from "../../shared/pipeline/claim-task";
import { createPipelineRuntime } from "../../shared/pipeline/create-pipeline-deps";
import { handleTaskCreated } from "../../shared/pipeline/handle-task-created";
import type { PipelineDeps } from "../../shared/pipeline/pipeline-deps";
import { startJobRun } from "../../shared/pipeline/start-job-run";
import { sweepStuckWork } from "../../shared/pipeline/sweep-stuck-work";
import { startStandin, type Standin } from "../../local/standin/standin-server";
import { readDoc, requireEmulator, uniqueId } from "../support/firestore-test-env";
import { match } from "../support/matchers";
import { oneStepTask } from "../support/sample-configs";

let db: Firestore;
let deps: PipelineDeps;
let standin: Standin;
const claims: string[] = [];

beforeAll(async () => {
  requireEmulator();
  standin = await startStandin();
  // TASK_LOG=all: every task's line says how it was claimed.
  const env = { ...process.env, GEMINI_BASE_URL: standin.url, GEMINI_API_KEY: undefined, TASK_LOG: "all" };
  const pipeline = await createPipelineRuntime(env, (message, fields) => {
    if (message === "task ended") {
      // The line names the task and how it was claimed (shared/pipeline/handle-task-created.ts).
      const ended = fields as { taskDocId: string; claim: "event" | "transaction" } | undefined;
      claims.push(`${ended?.taskDocId}:${ended?.claim}`);
    }
  });
  deps = pipeline.deps;
  db = deps.db;
});
afterAll(async () => {
  await standin?.close();
});

/** The document as a created-event carries it: its data and its update time. */
async function eventOf(taskDocId: string): Promise<ReadDocument> {
  const snap = await db.doc(`tasks/${taskDocId}`).get();
  return { data: snap.data()!, updateTime: snap.updateTime! };
}

describe("claim from the created-event", () => {
  it("claims a job's task in one write and finishes it in one commit, with the same documents as the transactional path", async () => {
    const jobId = uniqueId("fast");
    await db.doc(`jobs/${jobId}`).set({
      job_id: jobId,
      status: "queued",
      task_config: oneStepTask("first", "fast says %seed%", { seed: "F-1" }, "second"),
      task_configs: [oneStepTask("second", "then %answer%", { answer: "" }, "", "reply")],
    });
    await startJobRun(deps, jobId, { fromStatuses: ["queued"] });
    const first = `${jobId}~run1~1~first`;
    const outcome = await handleTaskCreated(deps, first, { event: await eventOf(first) });

    expect(claims).toContain(`${first}:event`);
    expect(outcome).toMatchObject({ kind: "finished", status: "success", nextTaskDocId: `${jobId}~run1~2~second`, jobStatus: "running" });
    expect(await readDoc(db, `tasks/${first}`)).toMatchObject({
      status: "success",
      attempts: 1,
      next_task_doc_id: `${jobId}~run1~2~second`,
    });
    expect(await readDoc(db, `outputs/${first}`)).toMatchObject({ status: "success", attempt: 1 });
    expect(await readDoc(db, `jobs/${jobId}`)).toMatchObject({
      status: "running",
      tasks_done: 1,
      current_task_doc_id: `${jobId}~run1~2~second`,
    });

    const second = `${jobId}~run1~2~second`;
    await handleTaskCreated(deps, second, { event: await eventOf(second) });
    expect(await readDoc(db, `jobs/${jobId}`)).toMatchObject({ status: "success", tasks_done: 2 });
  });

  it("runs the model once when the same event is delivered five times at once: one claim wins, the others find it taken", async () => {
    const id = uniqueId("fastdup");
    await db.doc(`tasks/${id}`).set(oneStepTask("dup", `only once ${id}`));
    const event = await eventOf(id);
    const before = standin.stats().answered;
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => handleTaskCreated(deps, id, { event })));
    expect(standin.stats().answered - before).toBe(1);
    expect(outcomes.filter((o) => o.kind === "finished")).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === "skipped")).toHaveLength(4);
    expect(await readDoc(db, `tasks/${id}`)).toMatchObject({ status: "success", attempts: 1 });
  });

  it("falls back to the transactional claim when the document changed since the event, and still runs the task once", async () => {
    const id = uniqueId("stale");
    await db.doc(`tasks/${id}`).set(oneStepTask("stale", "hello"));
    const event = await eventOf(id);
    await db.doc(`tasks/${id}`).update({ "metadata.source": "touched after the event" });
    await handleTaskCreated(deps, id, { event });
    expect(claims).toContain(`${id}:transaction`);
    expect(await readDoc(db, `tasks/${id}`)).toMatchObject({ status: "success", attempts: 1 });
  });

  it("lets the transactional finish decide when the job changed under a run: a job failed meanwhile commits no successor", async () => {
    const jobId = uniqueId("moved");
    await db.doc(`jobs/${jobId}`).set({
      job_id: jobId,
      status: "queued",
      task_config: oneStepTask("first", `slow ${jobId}`, {}, "second"),
      task_configs: [oneStepTask("second", "never")],
    });
    await startJobRun(deps, jobId, { fromStatuses: ["queued"] });
    const first = `${jobId}~run1~1~first`;
    standin.configure({ latencyMs: 300 });
    const run = handleTaskCreated(deps, first, { event: await eventOf(first) });
    // Once the model call is in flight, the task is claimed and running: the job changes under the run.
    const called = () => standin.requests().some((r) => r.userPrompt.includes(jobId));
    for (let i = 0; i < 400 && !called(); i++) await new Promise((r) => setTimeout(r, 5));
    expect(called(), "the task's model call never started").toBe(true);
    await db
      .doc(`jobs/${jobId}`)
      .update({ status: "failed", error: { code: "internal", message: "cancelled by the operator", retryable: false } });
    await run;
    standin.configure({ latencyMs: 0 });
    expect(await readDoc(db, `tasks/${first}`)).toMatchObject({ status: "success" });
    expect(await readDoc(db, `tasks/${jobId}~run1~2~second`)).toBeUndefined();
    expect(await readDoc(db, `jobs/${jobId}`)).toMatchObject({ status: "failed" });
  });
});

describe("a run's later tasks, known to the instance", () => {
  /** The jobs/ documents read through DocumentReference.get while `run` runs (a spy: the reads are real). */
  async function jobReadsDuring(run: () => Promise<unknown>): Promise<string[]> {
    const spy = vi.spyOn(Object.getPrototypeOf(db.doc("jobs/any")), "get");
    try {
      await run();
      return spy.mock.contexts.map((ref) => (ref as { path: string }).path).filter((path) => path.startsWith("jobs/"));
    } finally {
      spy.mockRestore();
    }
  }

  it("claims a later task of a run without reading its job, and ends it as a read would have", async () => {
    const jobId = uniqueId("known");
    await db.doc(`jobs/${jobId}`).set({
      job_id: jobId,
      status: "queued",
      task_config: oneStepTask("first", "known says %seed%", { seed: "K-1" }, "second"),
      task_configs: [
        oneStepTask("second", "then %answer%", { answer: "" }, "third"),
        oneStepTask("third", "last %answer%", { answer: "" }),
      ],
    });
    await startJobRun(deps, jobId, { fromStatuses: ["queued"] });
    const [first, second, third] = [`${jobId}~run1~1~first`, `${jobId}~run1~2~second`, `${jobId}~run1~3~third`];
    expect(await jobReadsDuring(async () => handleTaskCreated(deps, first, { event: await eventOf(first) }))).toEqual([`jobs/${jobId}`]);
    let outcome: unknown;
    const reads = await jobReadsDuring(async () => (outcome = await handleTaskCreated(deps, second, { event: await eventOf(second) })));
    expect(reads).toEqual([]);
    expect(outcome).toMatchObject({ kind: "finished", status: "success", nextTaskDocId: third, jobStatus: "running" });
    expect(claims).toContain(`${second}:event`);
    expect(await readDoc(db, `tasks/${third}`)).toMatchObject({
      status: "queued",
      hop: 3,
      input_config: { payload: { answer: match.any(String) } },
    });
    expect(await readDoc(db, `jobs/${jobId}`)).toMatchObject({ status: "running", tasks_done: 2, current_task_doc_id: third });
  });

  it("never trusts what it knows of a job written since the task was created: the finish's transaction decides", async () => {
    const jobId = uniqueId("knownstale");
    await db.doc(`jobs/${jobId}`).set({
      job_id: jobId,
      status: "queued",
      task_config: oneStepTask("first", "stale says hi", {}, "second"),
      task_configs: [oneStepTask("second", "then %answer%", { answer: "" })],
    });
    await startJobRun(deps, jobId, { fromStatuses: ["queued"] });
    const [first, second] = [`${jobId}~run1~1~first`, `${jobId}~run1~2~second`];
    await handleTaskCreated(deps, first, { event: await eventOf(first) });
    const event = await eventOf(second);
    // Written by hand, not by the pipeline: the instance still holds the job as running.
    const failed = { code: "internal", message: "failed by hand", retryable: false };
    await db.doc(`jobs/${jobId}`).update({ status: "failed", error: failed });
    const outcome = await handleTaskCreated(deps, second, { event });
    expect(outcome).toEqual({ kind: "finished", status: "success" });
    expect(await readDoc(db, `tasks/${second}`)).toMatchObject({ status: "success", attempts: 1 });
    expect(await readDoc(db, `jobs/${jobId}`)).toMatchObject({ status: "failed", error: failed, tasks_done: 1 });
  });
});

describe("the log holds what needs a look", () => {
  it("by default: no line for a task that succeeded on its first delivery, a warning for one that failed or did not run", async () => {
    const lines: { message: string; fields?: Record<string, unknown> | undefined; severity?: string | undefined }[] = [];
    const env = { ...process.env, GEMINI_BASE_URL: standin.url, GEMINI_API_KEY: undefined, TASK_LOG: undefined };
    const quiet = (await createPipelineRuntime(env, (message, fields, severity) => lines.push({ message, fields, severity }))).deps;
    const [ok, failing, invalid] = [uniqueId("logok"), uniqueId("logfail"), uniqueId("loginvalid")];
    await db.doc(`tasks/${ok}`).set(oneStepTask("ok", "hello"));
    await db.doc(`tasks/${failing}`).set(oneStepTask("failing", "hello"));
    await db.doc(`tasks/${invalid}`).set({ task_id: "invalid", steps: "not a list" });
    await handleTaskCreated(quiet, ok, { event: await eventOf(ok) });
    standin.configure({ script: ["400"] });
    await handleTaskCreated(quiet, failing, { event: await eventOf(failing) });
    standin.configure({ script: [] });
    await handleTaskCreated(quiet, invalid, { event: await eventOf(invalid) });

    expect(lines.filter((line) => line.fields?.taskDocId === ok)).toEqual([]);
    expect(lines.find((line) => line.fields?.taskDocId === failing)).toMatchObject({
      message: "task ended",
      severity: "warning",
      fields: { outcome: "failed", error: match.any(String) },
    });
    expect(lines.find((line) => line.fields?.taskDocId === invalid)).toMatchObject({
      message: "task not run",
      severity: "warning",
      fields: { error: "invalid_config" },
    });
  });
});

describe("edges of the finish and the sweep", () => {
  it("fails a task whose outputs/ document is left from an earlier task of the same id, instead of leaving it running", async () => {
    const id = uniqueId("reused");
    await db.doc(`outputs/${id}`).set({ note: "from an earlier task that was deleted and created again" });
    await db.doc(`tasks/${id}`).set(oneStepTask("reused", "hello", {}, "never"));
    await db.doc("task_configs/never").set(oneStepTask("never", "never runs"));
    const outcome = await handleTaskCreated(deps, id);
    expect(outcome).toMatchObject({ kind: "finished", status: "failed" });
    const task = await readDoc(db, `tasks/${id}`);
    expect(task).toMatchObject({ status: "failed", error: { code: "conflict" } });
    expect((task?.error as { message: string }).message).toContain(`outputs/${id} already holds a document`);
    expect(task?.next_task_doc_id).toBeUndefined();
    expect(await readDoc(db, `outputs/${id}`)).toEqual({ note: "from an earlier task that was deleted and created again" });
  });

  it("keeps a final payload that would not fit beside the job's configs in the output, and points the job at it", async () => {
    const jobId = uniqueId("bigjob");
    const big = "y".repeat(400_000);
    await db.doc(`jobs/${jobId}`).set({ job_id: jobId, status: "queued", task_config: oneStepTask("only", "%big%", { big }) });
    const started = await startJobRun(deps, jobId, { fromStatuses: ["queued"] });
    expect(started.kind).toBe("started");
    const entry = `${jobId}~run1~1~only`;
    await handleTaskCreated(deps, entry, { event: await eventOf(entry) });
    const job = await readDoc(db, `jobs/${jobId}`);
    expect(job).toMatchObject({ status: "success", tasks_done: 1, output_payload_ref: `outputs/${entry}` });
    expect(job?.output_payload).toBeUndefined();
    expect(((await readDoc(db, `outputs/${entry}`))?.output_payload as { answer: string }).answer).toContain(big);
  });

  it("leaves an expired task for the next sweep when a whole run budget would not fit in the sweep's time", async () => {
    const id = uniqueId("latesweep");
    await db
      .doc(`tasks/${id}`)
      .set({ ...oneStepTask("late", "hello"), status: "running", attempts: 1, lease_expires_at: new Date(Date.now() - 1000) });
    const short = await sweepStuckWork(deps, { timeLimitMs: 1_000 });
    expect(short.outcomes[id]).toBe("left for the next sweep");
    expect((await readDoc(db, `tasks/${id}`))?.status).toBe("running");
    const full = await sweepStuckWork(deps);
    expect(full.outcomes[id]).toBe("finished");
    expect(await readDoc(db, `tasks/${id}`)).toMatchObject({ status: "success", attempts: 2 });
  });
});
