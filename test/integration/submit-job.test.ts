// The submitJob callable as a web client calls it: signed in through the Auth emulator, served by the Functions
// emulator, the job then run by the real triggers; and the rules letting the owner, and only them, read it.
// (The per-user limit is proven against the Firestore emulator in test/emulator/submit-job.test.ts.)
import { doc, getDoc, setLogLevel } from "firebase/firestore";
import type { Firestore } from "firebase-admin/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { watchJob } from "../../local/client/watch-job";
import { getDb } from "../../shared/pipeline/firestore";
import { callableClient, deleteClients, functionsEmulatorAddress, refusal } from "../support/callable-client";
import { readDoc, requireEmulator, uniqueId } from "../support/firestore-test-env";
import { oneStepTask } from "../support/sample-configs";

let db: Firestore;
let functionsAt: { host: string; port: number };
const client = () => callableClient(functionsAt);

beforeAll(async () => {
  requireEmulator();
  if (!process.env.FIREBASE_AUTH_EMULATOR_HOST)
    throw new Error("FIREBASE_AUTH_EMULATOR_HOST is not set: the integration phase must start the Auth emulator");
  setLogLevel("error"); // a read the rules refuse is also logged by the SDK; the test checks it
  db = await getDb();
  functionsAt = await functionsEmulatorAddress();
});
afterAll(async () => {
  await deleteClients();
});

describe("the submitJob callable", () => {
  it("refuses a caller who is not signed in", async () => {
    const jobId = uniqueId("anon");
    const error = await refusal(client().submitJob({ job: { job_id: jobId, task_config: oneStepTask("only", "hi") } }));
    expect(error.code).toBe("functions/unauthenticated");
    expect(await readDoc(db, `jobs/${jobId}`)).toBeUndefined();
  });

  it("refuses an invalid job with every problem as a `path: message` line, and creates nothing", async () => {
    const { submitJob, signUp } = client();
    await signUp();
    const jobId = uniqueId("invalid");
    const step = { ...oneStepTask("x", "y").steps[0]!, model_query_config: { model_key: "GEMINI_FLAHS", user_promt: "typo" } };
    const error = await refusal(
      submitJob({ job: { job_id: jobId, task_config: { ...oneStepTask("first", "hi", {}, "nowhere"), steps: [step] } } }),
    );
    expect(error.code).toBe("functions/invalid-argument");
    const lines = [
      "task_config.steps[0].model_query_config.user_promt: unknown field (check its spelling)",
      'task_config.steps[0].model_query_config.model_key: unknown model key "GEMINI_FLAHS"',
      'task_config.next_task: next_task "nowhere" names no task',
    ];
    expect(error.message).toMatch(/^invalid job \(3 problems\):\n/);
    for (const line of lines) expect(error.message).toContain(line);
    expect((error.details as { issues: unknown[] }).issues).toHaveLength(3);
    expect(await readDoc(db, `jobs/${jobId}`)).toBeUndefined();
  });

  it("creates a valid job owned by the caller, which the triggers run to success and only its owner reads", async () => {
    const owner = client();
    const uid = await owner.signUp();
    const jobId = uniqueId("mine");
    const task = oneStepTask("only", "hello from %who%", { who: "a signed-in user" });
    const { data } = await owner.submitJob({ job: { job_id: jobId, task_config: task } });
    expect(data).toEqual({ job_id: jobId });
    expect(await readDoc(db, `jobs/${jobId}`)).toMatchObject({ job_id: jobId, owner_uid: uid });

    const end = await watchJob(db, jobId, { timeoutMs: 60_000 });
    expect(end).toMatchObject({ status: "success", tasksDone: 1, runId: "run1" });
    expect(end.outputPayload.answer).toContain("hello from a signed-in user");

    const seen = await getDoc(doc(owner.firestore, "jobs", jobId));
    expect(seen.get("status")).toBe("success");
    const stranger = client();
    await stranger.signUp();
    await expect(getDoc(doc(stranger.firestore, "jobs", jobId))).rejects.toMatchObject({ code: "permission-denied" });
  });

  it("refuses a job id that already exists, naming it", async () => {
    const { submitJob, signUp } = client();
    await signUp();
    const jobId = uniqueId("twice");
    await db.doc(`jobs/${jobId}`).set({ job_id: jobId, status: "pending", owner_uid: "someone" });
    const error = await refusal(submitJob({ job: { job_id: jobId, task_config: oneStepTask("only", "hi") } }));
    expect(error.code).toBe("functions/already-exists");
    expect(error.message).toContain(`jobs/${jobId} already exists`);
  });
});
