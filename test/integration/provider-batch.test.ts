// Provider batch mode through the real emulators (Firestore, Functions, Cloud Tasks) and the session's stand-in, which
// speaks the vendors' batch protocols: a two-task job with "execution": "provider_batch" parks each task on its model
// call, the pollProviderBatches queue submits the calls as vendor batch jobs and stores their answers, the resumeTask
// queue runs each task again, and the job ends success, every step paid once at the batch price. The integration phase
// sets BATCH_POLL_SECONDS=1 and BATCH_GROUP_WINDOW_SECONDS=0 so that rounds come every second.
import type { Firestore } from "firebase-admin/firestore";
import { beforeAll, describe, expect, it } from "vitest";
import { watchJob } from "../../local/client/watch-job";
import { getDb } from "../../shared/pipeline/firestore";
import { readDoc, requireEmulator, uniqueId } from "../support/firestore-test-env";
import { oneStepTask } from "../support/sample-configs";

let db: Firestore;

beforeAll(() => {
  requireEmulator();
  return getDb().then((d) => void (db = d));
});

describe("provider batch mode, end to end in the emulators", () => {
  it("runs a two-task job through vendor batch jobs to success: each task parked once and resumed, each step billed batch", async () => {
    const jobId = uniqueId("pbatch");
    const marker = uniqueId("m");
    await db.doc(`jobs/${jobId}`).create({
      job_id: jobId,
      status: "queued",
      execution: "provider_batch",
      task_config: oneStepTask("first", `first ${marker}`, {}, "second", "a"),
      task_configs: [oneStepTask("second", `second ${marker} %a%`, { a: "" }, "", "b")],
    });
    const end = await watchJob(db, jobId, { timeoutMs: 120_000 });
    expect(end).toMatchObject({ status: "success", tasksDone: 2 });
    expect(end.outputPayload.b).toContain(`second ${marker}`);
    const tasks = await db.collection("tasks").where("job_id", "==", jobId).get();
    expect(tasks.size).toBe(2);
    for (const task of tasks.docs) {
      expect(task.get("attempts")).toBe(1);
      const output = await readDoc(db, `outputs/${task.id}`);
      const steps = output?.steps as { billing?: string; cached?: boolean }[];
      expect(steps.map((s) => s.billing)).toEqual(["batch"]);
      const request = await readDoc(db, `batch_requests/${String(task.get("waiting_for"))}`);
      expect(request).toMatchObject({ state: "answered", submissions: 1, waiters: [task.id] });
    }
    const jobs = await db.collection("vendor_jobs").where("state", "==", "ended").get();
    expect(
      jobs.docs.filter((j) => (j.get("keys") as string[]).some((k) => tasks.docs.some((t) => t.get("waiting_for") === k))),
    ).toHaveLength(2);
  });
});
