// The one-write claim from the created-event and the one-commit finish, against the Firestore emulator.
import type { Firestore } from "firebase-admin/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CreatedDocument } from "../../shared/pipeline/claim-task";
import { createPipelineRuntime } from "../../shared/pipeline/create-pipeline-deps";
import { handleTaskCreated } from "../../shared/pipeline/handle-task-created";
import type { PipelineDeps } from "../../shared/pipeline/pipeline-deps";
import { startJob } from "../../shared/pipeline/start-job";
import { startStandin, type Standin } from "../../shared/standin/standin-server";
import { readDoc, requireEmulator, uniqueId } from "../support/firestore-test-env";
import { oneStepTask } from "../support/sample-configs";

let db: Firestore;
let deps: PipelineDeps;
let standin: Standin;
const claims: string[] = [];

beforeAll(async () => {
  requireEmulator();
  standin = await startStandin();
  const env = { ...process.env, GEMINI_BASE_URL: standin.url, GEMINI_API_KEY: undefined };
  const pipeline = await createPipelineRuntime(env, (message, fields) => {
    if (message === "task started") claims.push(`${fields?.taskDocId}:${fields?.claim}`);
  });
  deps = pipeline.deps;
  db = deps.db;
});
afterAll(async () => {
  await standin?.close();
});

/** The document as a created-event carries it: its data and its update time. */
async function eventOf(taskDocId: string): Promise<CreatedDocument> {
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
    await startJob(deps, jobId, { fromStatuses: ["queued"] });
    const first = `${jobId}~run1~1~first`;
    const outcome = await handleTaskCreated(deps, first, await eventOf(first));

    expect(claims).toContain(`${first}:event`);
    expect(outcome).toMatchObject({ kind: "finished", status: "success", nextTaskDocId: `${jobId}~run1~2~second`, jobStatus: "running" });
    expect(await readDoc(db, `tasks/${first}`)).toMatchObject({ status: "success", attempts: 1, next_task_doc_id: `${jobId}~run1~2~second` });
    expect(await readDoc(db, `outputs/${first}`)).toMatchObject({ status: "success", attempt: 1 });
    expect(await readDoc(db, `jobs/${jobId}`)).toMatchObject({ status: "running", tasks_done: 1, current_task_doc_id: `${jobId}~run1~2~second` });

    const second = `${jobId}~run1~2~second`;
    await handleTaskCreated(deps, second, await eventOf(second));
    expect(await readDoc(db, `jobs/${jobId}`)).toMatchObject({ status: "success", tasks_done: 2 });
  });

  it("runs the model once when the same event is delivered five times at once: one claim wins, the others find it taken", async () => {
    const id = uniqueId("fastdup");
    await db.doc(`tasks/${id}`).set(oneStepTask("dup", `only once ${id}`));
    const event = await eventOf(id);
    const before = standin.stats().answered;
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => handleTaskCreated(deps, id, event)));
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
    await handleTaskCreated(deps, id, event);
    expect(claims).toContain(`${id}:transaction`);
    expect(await readDoc(db, `tasks/${id}`)).toMatchObject({ status: "success", attempts: 1 });
  });

  it("lets the transactional finish decide when the job changed under a run: a job failed meanwhile commits no successor", async () => {
    const jobId = uniqueId("moved");
    await db.doc(`jobs/${jobId}`).set({
      job_id: jobId,
      status: "queued",
      task_config: oneStepTask("first", "slow", {}, "second"),
      task_configs: [oneStepTask("second", "never")],
    });
    await startJob(deps, jobId, { fromStatuses: ["queued"] });
    const first = `${jobId}~run1~1~first`;
    standin.configure({ latencyMs: 300 });
    const run = handleTaskCreated(deps, first, await eventOf(first));
    await new Promise((r) => setTimeout(r, 100));
    await db.doc(`jobs/${jobId}`).update({ status: "failed", error: { code: "internal", message: "cancelled by the operator", retryable: false } });
    await run;
    standin.configure({ latencyMs: 0 });
    expect(await readDoc(db, `tasks/${first}`)).toMatchObject({ status: "success" });
    expect(await readDoc(db, `tasks/${jobId}~run1~2~second`)).toBeUndefined();
    expect(await readDoc(db, `jobs/${jobId}`)).toMatchObject({ status: "failed" });
  });
});
