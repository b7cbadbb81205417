// The submitBatch callable as the results page calls it: signed in through the Auth emulator, served by the Functions
// emulator, the batch's runs admitted through the Cloud Tasks emulator and run by the real triggers.
import { doc, getDoc, setLogLevel } from "firebase/firestore";
import type { Firestore } from "firebase-admin/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROWS_FILE_REFUSED } from "../../shared/batch/submit-user-batch";
import { watchBatch } from "../../local/batch/watch-batch";
import { getDb } from "../../shared/pipeline/firestore";
import { batchTemplate } from "../support/batch-configs";
import { callableClient, deleteClients, functionsEmulatorAddress, refusal } from "../support/callable-client";
import { readDoc, requireEmulator, uniqueId } from "../support/firestore-test-env";

let db: Firestore;
let functionsAt: { host: string; port: number };
const client = () => callableClient(functionsAt);
const jobsOf = async (batchId: string) => (await db.collection("jobs").where("batch_id", "==", batchId).get()).docs;
const smallBatch = (batchId: string) => ({
  batch_id: batchId,
  job: batchTemplate("greet %city% in %lang%", ["city", "lang"]),
  rows: [
    { city: "Oslo", lang: "no" },
    { city: "Paris", lang: "fr" },
  ],
  repeats: 2,
});

beforeAll(async () => {
  requireEmulator();
  if (!process.env.FIREBASE_AUTH_EMULATOR_HOST)
    throw new Error("FIREBASE_AUTH_EMULATOR_HOST is not set: the integration phase must start the Auth emulator");
  if (!process.env.CLOUD_TASKS_EMULATOR_HOST)
    throw new Error("CLOUD_TASKS_EMULATOR_HOST is not set: the integration phase must start the Cloud Tasks emulator");
  setLogLevel("error");
  db = await getDb();
  functionsAt = await functionsEmulatorAddress();
});
afterAll(async () => {
  await deleteClients();
});

describe("the submitBatch callable", () => {
  it("refuses a caller who is not signed in, creating nothing", async () => {
    const batchId = uniqueId("anon-batch");
    const error = await refusal(client().submitBatch({ batch: smallBatch(batchId) }));
    expect(error.code).toBe("functions/unauthenticated");
    expect(await readDoc(db, `batches/${batchId}`)).toBeUndefined();
  });

  it("refuses an invalid batch with every problem as a `path: message` line (rows by number, rows_file refused), creating nothing", async () => {
    const { submitBatch, signUp } = client();
    await signUp();
    const batchId = uniqueId("invalid-batch");
    const batch = {
      ...smallBatch(batchId),
      rows: [
        { city: "Oslo", lang: "no" },
        { cty: "Paris", lang: "fr" },
      ],
      rows_file: "more.csv",
      models: ["GEMINI_FLAHS"],
    };
    const error = await refusal(submitBatch({ batch }));
    expect(error.code).toBe("functions/invalid-argument");
    expect(error.message).toMatch(/^invalid batch \(\d+ problems\); nothing was created:\n/);
    const lines = error.message.split("\n").slice(1);
    expect(lines).toContain(`rows_file: ${ROWS_FILE_REFUSED}`);
    expect(lines.some((l) => l.startsWith('rows[1].cty: the entry task "t" declares no input "cty"'))).toBe(true);
    expect(lines.some((l) => l.startsWith('models[0]: unknown model key "GEMINI_FLAHS"'))).toBe(true);
    expect((error.details as { issues: unknown[] }).issues).toHaveLength(lines.length);
    expect(await readDoc(db, `batches/${batchId}`)).toBeUndefined();
    expect(await jobsOf(batchId)).toHaveLength(0);
  });

  it("admits a valid batch owned by the caller, runs it to success, and answers the same id when it is submitted again", async () => {
    const owner = client();
    const uid = await owner.signUp();
    const batchId = uniqueId("mine-batch");
    const { data } = await owner.submitBatch({ batch: smallBatch(batchId) });
    expect(data).toEqual({ batch_id: batchId });
    expect(await readDoc(db, `batches/${batchId}`)).toMatchObject({ batch_id: batchId, owner_uid: uid, runs_total: 4 });

    const progress = await watchBatch(db, batchId, { timeoutMs: 90_000, intervalMs: 500 });
    expect(progress.status).toBe("success");
    expect(progress.counts).toMatchObject({ success: 4, failed: 0 });
    const jobs = await jobsOf(batchId);
    expect(jobs).toHaveLength(4);
    for (const job of jobs) expect(job.get("owner_uid")).toBe(uid);
    expect((await getDoc(doc(owner.firestore, "batches", batchId))).get("status")).toBe("success");

    // The engine's semantics: the same batch again is not a new one; this one has ended, so it is refused.
    const again = await refusal(owner.submitBatch({ batch: smallBatch(batchId) }));
    expect(again.code).toBe("functions/already-exists");
    expect(again.message).toContain(`batches/${batchId} has already ended (success)`);
    expect(await jobsOf(batchId)).toHaveLength(4);
  });

  it("refuses a batch id another user's batch holds, enqueuing nothing under it", async () => {
    const first = client();
    await first.signUp();
    const batchId = uniqueId("taken-batch");
    await first.submitBatch({ batch: smallBatch(batchId) });
    const second = client();
    await second.signUp();
    const error = await refusal(second.submitBatch({ batch: smallBatch(batchId) }));
    expect(error.code).toBe("functions/already-exists");
    expect(error.message).toContain(`batches/${batchId} is not yours`);
    await watchBatch(db, batchId, { timeoutMs: 90_000, intervalMs: 500 });
  });
});
