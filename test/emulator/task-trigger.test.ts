// The deployed triggers, wrapped by firebase-functions-test, on documents in the Firestore emulator.
import functionsTest from "firebase-functions-test";
import type { DocumentSnapshot, Firestore } from "firebase-admin/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTask, startJob } from "../../functions/src/index";
import { getDb } from "../../shared/pipeline/firestore";
import { startStandin, type Standin } from "../../local/standin/standin-server";
import { sampleTaskConfig } from "../../local/samples/samples";
import { readDoc, requireEmulator, uniqueId } from "../support/firestore-test-env";
import { oneStepTask } from "../support/sample-configs";

const fft = functionsTest({ projectId: process.env.GCLOUD_PROJECT ?? "demo-llm-agent-executor" });
const wrappedRunTask = fft.wrap(runTask);
const wrappedStartJob = fft.wrap(startJob);

let db: Firestore;
let standin: Standin;

beforeAll(async () => {
  requireEmulator();
  standin = await startStandin();
  // The triggers build their runtime on the first event, from this environment.
  process.env.GEMINI_BASE_URL = standin.url;
  delete process.env.GEMINI_API_KEY;
  db = await getDb();
});
afterAll(async () => {
  await standin?.close();
  fft.cleanup();
});

async function deliverTask(taskDocId: string) {
  const snap = fft.firestore.makeDocumentSnapshot(
    (await readDoc(db, `tasks/${taskDocId}`)) ?? {},
    `tasks/${taskDocId}`,
  ) as DocumentSnapshot;
  await wrappedRunTask({ data: snap, params: { taskDocId } });
}

async function deliverJob(jobId: string) {
  const snap = fft.firestore.makeDocumentSnapshot((await readDoc(db, `jobs/${jobId}`)) ?? {}, `jobs/${jobId}`) as DocumentSnapshot;
  await wrappedStartJob({ data: snap, params: { jobId } });
}

describe("runTask trigger", () => {
  it("runs a bare TaskConfig written by a client and records output, status and run record", async () => {
    const id = uniqueId("bare");
    await db.doc(`tasks/${id}`).set(sampleTaskConfig);
    await deliverTask(id);

    const task = await readDoc(db, `tasks/${id}`);
    expect(task).toMatchObject({ status: "success", attempts: 1 });
    expect(task?.finished_at).toBeDefined();
    const output = await readDoc(db, `outputs/${id}`);
    expect(output).toMatchObject({ status: "success", task_doc_id: id, attempt: 1 });
    const steps = output!.steps as { user_prompt: string; response: string; usage: { total_tokens: number } }[];
    expect(steps).toHaveLength(3);
    expect(steps[1]!.user_prompt).toContain(steps[0]!.response);
    expect(steps[2]!.user_prompt).toContain(steps[1]!.response);
    expect(steps.every((s) => s.usage.total_tokens > 0)).toBe(true);
  });

  it("runs the model calls once when the same event is delivered five times at once", async () => {
    const id = uniqueId("dup");
    const prompt = `count me ${id}`;
    await db.doc(`tasks/${id}`).set(oneStepTask("dup", prompt));
    const before = standin.stats().answered;
    await Promise.all(Array.from({ length: 5 }, () => deliverTask(id)));
    expect(standin.stats().answered - before).toBe(1);
    expect(await readDoc(db, `tasks/${id}`)).toMatchObject({ status: "success", attempts: 1 });
  });

  it("fails an invalid task at once with every problem as `path: message`, and writes no output", async () => {
    const id = uniqueId("invalid");
    const bad = oneStepTask("bad", "hi");
    (bad.steps[0]!.model_query_config as { model_key: string }).model_key = "GEMINI_FLAHS";
    await db.doc(`tasks/${id}`).set({ ...bad, next_task: "bad" });
    await deliverTask(id);

    const task = await readDoc(db, `tasks/${id}`);
    expect(task?.status).toBe("failed");
    const error = task?.error as { code: string; message: string; issues: { path: string }[] };
    expect(error.code).toBe("invalid_config");
    expect(error.message).toContain('steps[0].model_query_config.model_key: unknown model key "GEMINI_FLAHS"');
    expect(error.message).toContain("next_task: a task cannot be its own next task");
    expect(error.issues.map((i) => i.path)).toEqual(["steps[0].model_query_config.model_key", "next_task"]);
    expect(await readDoc(db, `outputs/${id}`)).toBeUndefined();
  });
});

describe("startJob trigger and the chain", () => {
  it("starts a queued job, and each task commits its successor with inputs bound from its output", async () => {
    const jobId = uniqueId("job");
    await db.doc(`jobs/${jobId}`).set({
      job_id: jobId,
      status: "queued",
      task_config: oneStepTask("first", "first says %seed%", { seed: "S-42" }, "second"),
      task_configs: [
        oneStepTask("second", "second got %answer%", { answer: "" }, "third", "reply"),
        oneStepTask("third", "third got %reply%", { reply: "" }, "", "final"),
      ],
    });
    await deliverJob(jobId);
    await deliverJob(jobId); // a redelivery must not start a second run

    let job = await readDoc(db, `jobs/${jobId}`);
    expect(job).toMatchObject({ status: "running", run_id: "run1", runs: 1, tasks_done: 0, current_task_id: "first" });
    const ids = [`${jobId}~run1~1~first`, `${jobId}~run1~2~second`, `${jobId}~run1~3~third`];
    expect(job?.current_task_doc_id).toBe(ids[0]);

    for (const [i, id] of ids.entries()) {
      await deliverTask(id);
      const task = await readDoc(db, `tasks/${id}`);
      expect(task).toMatchObject({ status: "success", job_id: jobId, run_id: "run1", hop: i + 1 });
      expect(task?.next_task_doc_id).toBe(ids[i + 1]);
    }
    const second = await readDoc(db, `tasks/${ids[1]}`);
    const firstOutput = (await readDoc(db, `outputs/${ids[0]}`)) as { output_payload: { answer: string } };
    expect(second?.input_config).toEqual({ payload: { answer: firstOutput.output_payload.answer } });
    expect(firstOutput.output_payload.answer).toContain("first says S-42");

    job = await readDoc(db, `jobs/${jobId}`);
    const last = (await readDoc(db, `outputs/${ids[2]}`)) as { output_payload: { final: string } };
    expect(job).toMatchObject({ status: "success", tasks_done: 3, output_payload: last.output_payload });
    expect(last.output_payload.final).toContain("third got");
    expect(last.output_payload.final).toContain("second got");
    expect(last.output_payload.final).toContain("first says S-42");
    expect((job?.usage as { total_tokens: number }).total_tokens).toBeGreaterThan(0);
  });

  it("ends the job failed, with the task's error, and commits no successor when a task fails", async () => {
    const jobId = uniqueId("failjob");
    await db.doc(`jobs/${jobId}`).set({
      job_id: jobId,
      status: "queued",
      task_config: oneStepTask("first", "hello", {}, "second"),
      task_configs: [oneStepTask("second", "never runs")],
    });
    await deliverJob(jobId);
    const first = `${jobId}~run1~1~first`;
    standin.configure({ script: ["400"] });
    await deliverTask(first);
    standin.configure({ script: [] });

    const task = await readDoc(db, `tasks/${first}`);
    expect(task?.status).toBe("failed");
    expect(task?.next_task_doc_id).toBeUndefined();
    expect(await readDoc(db, `tasks/${jobId}~run1~2~second`)).toBeUndefined();
    const job = await readDoc(db, `jobs/${jobId}`);
    expect(job).toMatchObject({ status: "failed", tasks_done: 0 });
    expect(job?.error).toMatchObject({ code: "model_error", step_id: "first-step", task_doc_id: first });
  });

  it("refuses a job whose chain has a cycle, listing it, and starts nothing", async () => {
    const jobId = uniqueId("cycle");
    await db.doc(`jobs/${jobId}`).set({
      job_id: jobId,
      status: "queued",
      task_config: oneStepTask("a", "a", {}, "b"),
      task_configs: [oneStepTask("b", "b", {}, "a")],
    });
    await deliverJob(jobId);
    const job = await readDoc(db, `jobs/${jobId}`);
    expect(job?.status).toBe("failed");
    expect((job?.error as { message: string }).message).toContain('task_configs[0].next_task: the chain has a cycle: "a" -> "b" -> "a"');
    const tasks = await db.collection("tasks").where("job_id", "==", jobId).get();
    expect(tasks.size).toBe(0);
  });
});
