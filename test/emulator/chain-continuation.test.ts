// Chain continuation: an invocation that finishes a job's task goes on to run the successor it created claimed.
import type { Firestore } from "firebase-admin/firestore";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { CreatedDocument } from "../../shared/pipeline/claim-task";
import { createPipelineRuntime } from "../../shared/pipeline/create-pipeline-deps";
import { handleTaskCreated } from "../../shared/pipeline/handle-task-created";
import { FINISH_RESERVE_MS, type PipelineDeps } from "../../shared/pipeline/pipeline-deps";
import { startJob } from "../../shared/pipeline/start-job";
import { startStandin, type Standin } from "../../shared/standin/standin-server";
import { readDoc, requireEmulator, uniqueId, waitFor } from "../support/firestore-test-env";
import { oneStepTask } from "../support/sample-configs";

let db: Firestore;
let deps: PipelineDeps;
let standin: Standin;
const claims: string[] = [];

const testEnv = () => ({ ...process.env, GEMINI_BASE_URL: standin.url, GEMINI_API_KEY: undefined, TASK_RUN_BUDGET_MS: undefined, TASK_LEASE_MS: undefined, TASK_CONTINUE_CHAINS: undefined });

beforeAll(async () => {
  requireEmulator();
  standin = await startStandin();
  const pipeline = await createPipelineRuntime(testEnv(), (message, fields) => {
    if (message === "task started" || message === "task ended") claims.push(`${fields?.taskDocId}:${fields?.claim}`);
  });
  deps = pipeline.deps;
  db = deps.db;
});
afterEach(() => {
  standin.reset();
  standin.configure({ latencyMs: 0 });
});
afterAll(async () => {
  await standin?.close();
});

/** A whole 540 s invocation ahead, as the trigger passes it. */
const fullInvocation = () => Date.now() + 540_000;

/** Starts a job of one-step tasks t1 -> t2 -> ...; returns the task document ids in chain order. */
async function startChain(label: string, tasks: number): Promise<{ jobId: string; ids: string[] }> {
  const jobId = uniqueId(label);
  const names = Array.from({ length: tasks }, (_, i) => `t${i + 1}`);
  // A step passes a declared input through unchanged, so outputs alternate between two names.
  const [input, output] = [(i: number) => (i % 2 ? "a" : "b"), (i: number) => (i % 2 ? "b" : "a")];
  const configs = names.map((name, i) => oneStepTask(name, `${name} of ${jobId} after %${input(i)}%`, { [input(i)]: "start" }, names[i + 1] ?? "", output(i)));
  await db.doc(`jobs/${jobId}`).set({ job_id: jobId, status: "pending", task_config: configs[0], task_configs: configs.slice(1) });
  const started = await startJob(deps, jobId, { fromStatuses: ["pending"] });
  expect(started.kind).toBe("started");
  return { jobId, ids: names.map((name, i) => `${jobId}~run1~${i + 1}~${name}`) };
}

async function eventOf(taskDocId: string): Promise<CreatedDocument> {
  const snap = await db.doc(`tasks/${taskDocId}`).get();
  return { data: snap.data()!, updateTime: snap.updateTime! };
}

/** The document as its created-event carries it: the first snapshot a listener sees of it. */
function firstSnapshotOf(taskDocId: string): Promise<CreatedDocument> {
  return new Promise((resolve, reject) => {
    const unsubscribe = db.doc(`tasks/${taskDocId}`).onSnapshot(
      (snap) => {
        if (!snap.exists) return;
        unsubscribe();
        resolve({ data: snap.data()!, updateTime: snap.updateTime! });
      },
      reject,
    );
  });
}

describe("chain continuation", () => {
  it("runs a job's chain in the entry task's invocation: each successor created claimed (running, attempt 1), run once, its own delivery returning at once", async () => {
    const { jobId, ids } = await startChain("cont", 3);
    // Each call takes long enough that a listener sees the successor while it runs, as its created-event would.
    standin.configure({ latencyMs: 150 });
    const created = firstSnapshotOf(ids[1]!);
    const outcome = await handleTaskCreated(deps, ids[0]!, { event: await eventOf(ids[0]!), invocationDeadlineAt: fullInvocation() });

    expect(outcome).toMatchObject({ kind: "finished", status: "success", nextTaskDocId: ids[1] });
    expect(outcome.kind === "finished" && outcome.continued).toEqual([
      { taskDocId: ids[1], outcome: { kind: "finished", status: "success", nextTaskDocId: ids[2], jobStatus: "running" } },
      { taskDocId: ids[2], outcome: { kind: "finished", status: "success", jobStatus: "success" } },
    ]);
    expect(claims).toEqual(expect.arrayContaining([`${ids[0]}:event`, `${ids[1]}:predecessor`, `${ids[2]}:predecessor`]));
    const atCreation = (await created).data;
    expect(atCreation).toMatchObject({ status: "running", attempts: 1, hop: 2, previous_task_doc_id: ids[0] });
    expect(typeof atCreation.claim_id).toBe("string");
    for (const id of ids) {
      expect(await readDoc(db, `tasks/${id}`)).toMatchObject({ status: "success", attempts: 1 });
      expect(await readDoc(db, `outputs/${id}`)).toMatchObject({ status: "success", attempt: 1 });
    }
    expect(await readDoc(db, `jobs/${jobId}`)).toMatchObject({ status: "success", tasks_done: 3, current_task_doc_id: ids[2] });
    // The data flowed: each prompt holds the previous task's answer.
    const prompts = standin.requests().map((r) => r.userPrompt);
    expect(prompts).toHaveLength(3);
    expect(prompts[2]).toContain(`t2 of ${jobId}`);

    // The successor's own trigger, delivered with its created-event, finds it claimed and does nothing.
    const answered = standin.stats().answered;
    const backstop = await handleTaskCreated(deps, ids[1]!, { event: await created, invocationDeadlineAt: fullInvocation() });
    expect(backstop.kind).toBe("skipped");
    expect(backstop.kind === "skipped" && backstop.reason).toContain(`created already claimed: the invocation that ran tasks/${ids[0]} runs it`);
    expect(standin.stats().answered).toBe(answered);
  });

  it("leaves the successor queued for its own trigger when the invocation has less than a whole run budget and the finish reserve left", async () => {
    const { jobId, ids } = await startChain("nocont", 2);
    const outcome = await handleTaskCreated(deps, ids[0]!, {
      event: await eventOf(ids[0]!),
      invocationDeadlineAt: Date.now() + deps.policy.runBudgetMs + FINISH_RESERVE_MS - 5_000,
    });
    expect(outcome).toMatchObject({ kind: "finished", status: "success", nextTaskDocId: ids[1] });
    expect(outcome.kind === "finished" && outcome.continued).toBeUndefined();
    expect(await readDoc(db, `tasks/${ids[1]}`)).toMatchObject({ status: "queued", attempts: 0 });

    // Its trigger then runs it as usual, and may go on in its own invocation.
    await handleTaskCreated(deps, ids[1]!, { event: await eventOf(ids[1]!), invocationDeadlineAt: fullInvocation() });
    expect(await readDoc(db, `jobs/${jobId}`)).toMatchObject({ status: "success", tasks_done: 2 });
  });

  it("with TASK_CONTINUE_CHAINS=false runs each task in its own trigger's invocation only", async () => {
    const strict = await createPipelineRuntime({ ...testEnv(), TASK_CONTINUE_CHAINS: "false" });
    expect(strict.deps.policy.continueChains).toBe(false);
    const { ids } = await startChain("strict", 2);
    const outcome = await handleTaskCreated(strict.deps, ids[0]!, { event: await eventOf(ids[0]!), invocationDeadlineAt: fullInvocation() });
    expect(outcome.kind === "finished" && outcome.continued).toBeUndefined();
    expect(await readDoc(db, `tasks/${ids[1]}`)).toMatchObject({ status: "queued", attempts: 0 });
    await strict.runtime.close();
  });

  it("stops going on when the job changed under a continued task: that finish falls back to the transaction and the next successor is created queued", async () => {
    const { jobId, ids } = await startChain("moved", 3);
    standin.configure({ latencyMs: 300 });
    const run = handleTaskCreated(deps, ids[0]!, { event: await eventOf(ids[0]!), invocationDeadlineAt: fullInvocation() });
    // While t2 runs (its call takes 300 ms), an operator touches the job: t2's guarded commit must not apply.
    await waitFor(async () => ((await readDoc(db, `tasks/${ids[1]}`))?.status === "running" ? true : undefined), "t2 running", 10_000);
    await db.doc(`jobs/${jobId}`).update({ "metadata.note": "touched by an operator" });
    const outcome = await run;

    expect(outcome.kind === "finished" && outcome.continued?.map((c) => c.taskDocId)).toEqual([ids[1]]);
    expect(await readDoc(db, `tasks/${ids[1]}`)).toMatchObject({ status: "success", attempts: 1, next_task_doc_id: ids[2] });
    expect(await readDoc(db, `tasks/${ids[2]}`)).toMatchObject({ status: "queued", attempts: 0 });
    expect(await readDoc(db, `jobs/${jobId}`)).toMatchObject({ status: "running", tasks_done: 2, current_task_doc_id: ids[2], metadata: { note: "touched by an operator" } });
  });

  it("ends the job failed at a continued task that fails for good, and creates nothing after it", async () => {
    const { jobId, ids } = await startChain("contfail", 3);
    standin.configure({ script: ["ok", "400"] });
    const outcome = await handleTaskCreated(deps, ids[0]!, { event: await eventOf(ids[0]!), invocationDeadlineAt: fullInvocation() });
    expect(outcome.kind === "finished" && outcome.continued).toEqual([{ taskDocId: ids[1], outcome: { kind: "finished", status: "failed", jobStatus: "failed" } }]);
    expect(await readDoc(db, `tasks/${ids[1]}`)).toMatchObject({ status: "failed", attempts: 1, error: { code: "model_error" } });
    expect(await readDoc(db, `tasks/${ids[2]}`)).toBeUndefined();
    expect(await readDoc(db, `jobs/${jobId}`)).toMatchObject({ status: "failed", tasks_done: 1, error: { task_doc_id: ids[1] } });
  });
});

describe("policy warnings at start-up", () => {
  it("warns when TASK_RUN_BUDGET_MS leaves no time to write a result, and when the lease is not longer than the budget", async () => {
    const long = await createPipelineRuntime({ ...testEnv(), TASK_RUN_BUDGET_MS: "500000" });
    expect(long.runtime.banner).toContain(
      "warning: TASK_RUN_BUDGET_MS (500000) leaves less than 60 s of the 540 s function timeout to write a task's result; at most 480000",
    );
    await long.runtime.close();
    const short = await createPipelineRuntime({ ...testEnv(), TASK_LEASE_MS: "1000" });
    expect(short.runtime.banner.some((line) => line.startsWith("warning: TASK_LEASE_MS (1000) is not longer than TASK_RUN_BUDGET_MS (240000)"))).toBe(true);
    expect(short.runtime.banner.some((line) => line.includes("leaves less than"))).toBe(false);
    await short.runtime.close();
  });
});
