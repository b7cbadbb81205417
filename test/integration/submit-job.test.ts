// The submitJob callable as a web client calls it: signed in through the Auth emulator, served by the Functions
// emulator, the job then run by the real triggers; and the rules letting the owner, and only them, read it.
// (The per-user limit is proven against the Firestore emulator in test/emulator/submit-job.test.ts.)
import { deleteApp, initializeApp, type FirebaseApp } from "firebase/app";
import { connectAuthEmulator, createUserWithEmailAndPassword, getAuth } from "firebase/auth";
import { connectFirestoreEmulator, doc, getDoc, getFirestore, setLogLevel } from "firebase/firestore";
import { connectFunctionsEmulator, getFunctions, httpsCallable, type FunctionsError } from "firebase/functions";
import type { Firestore } from "firebase-admin/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { watchJob } from "../../shared/client/watch-job";
import { getDb } from "../../shared/pipeline/firestore";
import { readDoc, requireEmulator, uniqueId } from "../support/firestore-test-env";
import { oneStepTask } from "../support/sample-configs";

const PROJECT_ID = process.env.GCLOUD_PROJECT ?? "demo-llm-agent-executor";
const REGION = "us-central1";

let db: Firestore;
let functionsAt: { host: string; port: number };
const apps: FirebaseApp[] = [];

/**
 * firebase emulators:exec exports the Firestore and Auth addresses but not the Functions emulator's; the hub,
 * whose address it does export, lists every running emulator (so a port moved by EMULATOR_PORT_BASE is found).
 */
async function functionsEmulatorAddress(): Promise<{ host: string; port: number }> {
  const hub = process.env.FIREBASE_EMULATOR_HUB;
  if (!hub) throw new Error("FIREBASE_EMULATOR_HUB is not set: run this suite through `npm test` (it starts the emulators)");
  const emulators = (await (await fetch(`http://${hub}/emulators`)).json()) as Record<string, { host: string; port: number } | undefined>;
  if (!emulators.functions) throw new Error(`the Functions emulator is not running (the hub lists ${Object.keys(emulators).join(", ")})`);
  return emulators.functions;
}

/** A web client of the emulated project: its own app, so that each test's sign-in state is its own. */
function client() {
  const app = initializeApp({ projectId: PROJECT_ID, apiKey: "demo-api-key" }, uniqueId("app"));
  apps.push(app);
  const auth = getAuth(app);
  connectAuthEmulator(auth, `http://${process.env.FIREBASE_AUTH_EMULATOR_HOST}`, { disableWarnings: true });
  const functions = getFunctions(app, REGION);
  connectFunctionsEmulator(functions, functionsAt.host, functionsAt.port);
  const firestore = getFirestore(app);
  const [host, port] = process.env.FIRESTORE_EMULATOR_HOST!.split(":");
  connectFirestoreEmulator(firestore, host!, Number(port));
  const submitJob = httpsCallable<{ job: unknown }, { job_id: string }>(functions, "submitJob");
  const signUp = async () => (await createUserWithEmailAndPassword(auth, `${uniqueId("user")}@example.com`, "secret-password")).user.uid;
  return { submitJob, signUp, firestore };
}

async function refusal(call: Promise<unknown>): Promise<FunctionsError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e as FunctionsError,
  );
  if (!error) throw new Error("expected the call to be refused");
  return error;
}

beforeAll(async () => {
  requireEmulator();
  if (!process.env.FIREBASE_AUTH_EMULATOR_HOST) throw new Error("FIREBASE_AUTH_EMULATOR_HOST is not set: the integration phase must start the Auth emulator");
  setLogLevel("error"); // a read the rules refuse is also logged by the SDK; the test checks it
  db = await getDb();
  functionsAt = await functionsEmulatorAddress();
});
afterAll(async () => {
  await Promise.all(apps.map((app) => deleteApp(app)));
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
    const error = await refusal(submitJob({ job: { job_id: jobId, task_config: { ...oneStepTask("first", "hi", {}, "nowhere"), steps: [step] } } }));
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
