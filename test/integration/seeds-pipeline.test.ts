// Every seeded job through the real Functions emulator triggers, checked field by field.
import type { Firestore } from "firebase-admin/firestore";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadSeeds, type Seeds } from "../../local/client/load-seeds";
import { watchJob, type TaskProgress } from "../../local/client/watch-job";
import { writeSeeds } from "../../local/client/write-seeds";
import { DEFAULT_VALIDATION } from "../../shared/validation/validate-config";
import { getDb } from "../../shared/pipeline/firestore";
import { startJobRun } from "../../shared/pipeline/start-job-run";
import { readDoc, requireEmulator, uniqueId } from "../support/firestore-test-env";
import { oneStepTask } from "../support/sample-configs";
import { configureStandin, resetStandin } from "../support/standin-admin";

let db: Firestore;
let seeds: Seeds;

beforeAll(async () => {
  requireEmulator();
  db = await getDb();
  seeds = await loadSeeds("seeds", DEFAULT_VALIDATION);
  expect(seeds.invalid).toEqual([]);
  await writeSeeds(db, seeds);
});
afterEach(async () => {
  await resetStandin();
});

async function runSeededJob(jobId: string) {
  const started = await startJobRun({ db, validation: DEFAULT_VALIDATION }, jobId, { fromStatuses: ["pending", "success", "failed"] });
  expect(started.kind).toBe("started");
  const events: { task: TaskProgress; change: string }[] = [];
  const end = await watchJob(db, jobId, {
    runId: (started as { runId: string }).runId,
    timeoutMs: 90_000,
    onTask: (task, change) => events.push({ task, change }),
  });
  return { started: started as { runId: string; entryTaskDocId: string }, end, events };
}

describe("seeded jobs through the emulator triggers", () => {
  it("seeds every job as pending and the library task into task_configs/", async () => {
    const ids = seeds.jobs.map((j) => j.config.job_id).sort();
    expect(ids).toEqual(["chained_story_job", "moral_machine_en_age_001", "sample_job", "sample_tag_job"]);
    for (const id of ids) expect((await readDoc(db, `jobs/${id}`))?.status).toBe("pending");
    expect(await readDoc(db, "task_configs/headline")).toMatchObject({ task_id: "headline" });
  });

  it("runs the original sample job (three-step joke task) to success", async () => {
    const { started, end, events } = await runSeededJob("sample_job");
    expect(end).toMatchObject({ status: "success", tasksDone: 1 });
    expect(events.map((e) => e.change)).toEqual(["started", "ended"]);
    const output = (await readDoc(db, `outputs/${started.entryTaskDocId}`)) as { steps: { user_prompt: string; response: string }[] };
    expect(output.steps).toHaveLength(3);
    expect(output.steps[1]!.user_prompt).toContain(output.steps[0]!.response);
    expect(output.steps[2]!.user_prompt).toContain(output.steps[0]!.response);
    expect(output.steps[2]!.user_prompt).toContain(output.steps[1]!.response);
    expect(end.usage.total_tokens).toBeGreaterThan(0);
  });

  it("runs the chained job through four tasks (one from the library), data flowing task to task", async () => {
    const { started, end, events } = await runSeededJob("chained_story_job");
    expect(end.status).toBe("success");
    expect(end.tasksDone).toBe(4);
    const ended = events.filter((e) => e.change === "ended").map((e) => [e.task.hop, e.task.taskId, e.task.status]);
    expect(ended).toEqual([
      [1, "brainstorm", "success"],
      [2, "outline", "success"],
      [3, "draft", "success"],
      [4, "headline", "success"],
    ]);
    const run = started.runId;
    const ids = ["brainstorm", "outline", "draft", "headline"].map((t, i) => `chained_story_job~${run}~${i + 1}~${t}`);
    for (const [i, id] of ids.entries()) {
      const task = await readDoc(db, `tasks/${id}`);
      expect(task).toMatchObject({ status: "success", job_id: "chained_story_job", run_id: run, hop: i + 1, attempts: 1 });
      expect(task?.next_task_doc_id).toBe(ids[i + 1]);
      expect(await readDoc(db, `outputs/${id}`)).toMatchObject({ status: "success", task_doc_id: id, job_id: "chained_story_job" });
    }
    // The topic, given only to the first task, reaches the last task's title through every hop.
    expect(end.outputPayload.title).toContain("a lighthouse keeper who collects lost letters");
    expect(end.outputPayload.title).toContain("five-line outline");
    expect(end.outputPayload.title).toContain("150-word opening scene");
    const job = await readDoc(db, "jobs/chained_story_job");
    expect(job).toMatchObject({ status: "success", tasks_done: 4, current_task_doc_id: ids[3], output_payload: end.outputPayload });
    // The outline hop ran on Claude (the stand-in's Anthropic protocol), the others on Gemini: one chain, two vendors.
    const models = [];
    for (const id of ids) models.push(((await readDoc(db, `outputs/${id}`)) as { steps: { model: string }[] }).steps[0]!.model);
    expect(models).toEqual(["gemini-2.5-flash", "claude-haiku-5-5", "gemini-2.5-flash", "gemini-2.5-flash"]);
    // Cost beside the tokens, on every task and summed on the job.
    const costs = [];
    for (const id of ids) costs.push(((await readDoc(db, `tasks/${id}`)) as { cost: { usd: number } }).cost.usd);
    expect(costs.every((usd) => usd > 0)).toBe(true);
    expect(end.cost?.usd).toBeCloseTo(
      costs.reduce((a, b) => a + b, 0),
      10,
    );
  });

  it("runs the sample job whose third step is a tag rule: the verdict comes from step 2's <answer>", async () => {
    const { started, end } = await runSeededJob("sample_tag_job");
    expect(end).toMatchObject({ status: "success", tasksDone: 1 });
    const output = (await readDoc(db, `outputs/${started.entryTaskDocId}`)) as { steps: { response: string }[] };
    expect(output.steps).toHaveLength(2);
    // The stand-in fills the <answer></answer> its prompt asks for; the rule takes what is inside.
    expect(end.outputPayload.verdict).toBe("stand-in answer");
    expect(end.outputPayload.joke).toBe(output.steps[0]!.response);
  });

  it("runs the moral-machine job: JSON extraction, then the row logged to TaskLogs", async () => {
    const { started, end } = await runSeededJob("moral_machine_en_age_001");
    expect(end.status).toBe("success");
    const row = JSON.parse(end.outputPayload.row!) as { collection: string; data: Record<string, unknown> };
    expect(row.collection).toBe("TaskLogs");
    expect(Object.keys(row.data).sort()).toEqual([
      "answer",
      "change",
      "coherent",
      "consistent",
      "problem_code",
      "stay",
      "think",
      "verification",
    ]);
    const logResult = JSON.parse(end.outputPayload.log_result!) as { status: string; document_id: string };
    expect(logResult.status).toBe("success");
    const logged = await readDoc(db, `TaskLogs/${logResult.document_id}`);
    expect(logged).toMatchObject({ ...row.data, execution_id: started.entryTaskDocId });
  });

  it("starts a job created with status queued through the jobs trigger", async () => {
    const jobId = uniqueId("queued");
    await db
      .doc(`jobs/${jobId}`)
      .set({ job_id: jobId, status: "queued", task_config: oneStepTask("only", "hello from %who%", { who: "a client" }) });
    const end = await watchJob(db, jobId, { timeoutMs: 60_000 });
    expect(end).toMatchObject({ status: "success", tasksDone: 1, runId: "run1" });
    expect(end.outputPayload.answer).toContain("hello from a client");
  });

  it("ends a job failed with the model's error and commits no successor when a step fails for good", async () => {
    const jobId = uniqueId("fails");
    await db.doc(`jobs/${jobId}`).set({
      job_id: jobId,
      status: "pending",
      task_config: oneStepTask("first", "doomed"),
      task_configs: [],
    });
    await db
      .doc(`jobs/${jobId}`)
      .update({ task_config: oneStepTask("first", "doomed", {}, "second"), task_configs: [oneStepTask("second", "never")] });
    await configureStandin({ script: ["400"] });
    const { started, end } = await runSeededJob(jobId);
    expect(end.status).toBe("failed");
    expect(end.error).toMatchObject({ code: "model_error", task_doc_id: started.entryTaskDocId });
    const task = await readDoc(db, `tasks/${started.entryTaskDocId}`);
    expect(task).toMatchObject({ status: "failed" });
    expect(task?.next_task_doc_id).toBeUndefined();
    expect((await db.collection("tasks").where("job_id", "==", jobId).get()).size).toBe(1);
  });
});
