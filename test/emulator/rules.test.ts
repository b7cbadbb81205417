// Proves firestore.rules against the Firestore emulator: clients never write; signed-in clients read the pipeline's collections.
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  type RulesTestContext,
  type RulesTestEnvironment,
} from "@firebase/rules-unit-testing";
import { setLogLevel } from "firebase/firestore";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, it } from "vitest";

// Its own project id: the rules loaded here and the documents written here never meet the pipeline's project.
const PROJECT_ID = "demo-rules-test";
const READABLE = ["tasks", "outputs", "jobs", "task_configs"] as const;
// `results` is where the sample firestore_log step writes; `anything` stands for every other collection.
const OTHERS = ["results", "anything"] as const;
const ALL = [...READABLE, ...OTHERS];

let env: RulesTestEnvironment;

beforeAll(async () => {
  // Each refused write is also logged by the SDK as a stream error; the assertions already check for them.
  setLogLevel("error");
  if (!process.env.FIRESTORE_EMULATOR_HOST) {
    throw new Error(
      "FIRESTORE_EMULATOR_HOST is not set: run this suite inside the emulators, e.g. " +
        "`node scripts/with-emulators.mjs --only firestore -- npx vitest run --project emulator test/emulator/rules.test.ts`",
    );
  }
  env = await initializeTestEnvironment({
    projectId: PROJECT_ID,
    firestore: { rules: readFileSync(new URL("../../firestore.rules", import.meta.url), "utf8") },
  });
});

afterAll(async () => {
  await env?.cleanup();
});

// Every collection holds `existing`, so update and delete are refused by the rules, not by a missing document.
beforeEach(async () => {
  await env.clearFirestore();
  await env.withSecurityRulesDisabled(async (admin) => {
    const db = admin.firestore();
    for (const collection of ALL) {
      await db.doc(`${collection}/existing`).set({ status: "queued", job_id: "job-1" });
      await db.doc(`${collection}/existing/children/child`).set({ note: "a subcollection document" });
    }
  });
});

const clients: Array<[string, () => RulesTestContext]> = [
  ["an unauthenticated client", () => env.unauthenticatedContext()],
  ["a signed-in client", () => env.authenticatedContext("alice", { email: "alice@example.com" })],
];

describe.each(clients)("%s", (_label, context) => {
  describe.each(ALL)("cannot write to %s", (collection) => {
    it("cannot create a document", async () => {
      const db = context().firestore();
      await assertFails(db.doc(`${collection}/new-doc`).set({ status: "queued" }));
      await assertFails(db.collection(collection).add({ status: "queued" }));
    });

    it("cannot update or overwrite a document", async () => {
      const db = context().firestore();
      await assertFails(db.doc(`${collection}/existing`).update({ status: "success" }));
      await assertFails(db.doc(`${collection}/existing`).set({ status: "success" }));
    });

    it("cannot delete a document", async () => {
      await assertFails(context().firestore().doc(`${collection}/existing`).delete());
    });

    it("cannot write in its subcollections", async () => {
      await assertFails(context().firestore().doc(`${collection}/existing/children/other`).set({ note: "x" }));
    });
  });
});

describe("a signed-in client", () => {
  const alice = (): RulesTestContext => env.authenticatedContext("alice");

  it.each(READABLE)("can read a document and list the collection %s", async (collection) => {
    const db = alice().firestore();
    await assertSucceeds(db.doc(`${collection}/existing`).get());
    await assertSucceeds(db.collection(collection).where("job_id", "==", "job-1").get());
  });

  it.each(OTHERS)("cannot read any other collection (%s)", async (collection) => {
    const db = alice().firestore();
    await assertFails(db.doc(`${collection}/existing`).get());
    await assertFails(db.collection(collection).get());
  });

  it.each(READABLE)("cannot read subcollections under %s", async (collection) => {
    await assertFails(alice().firestore().doc(`${collection}/existing/children/child`).get());
  });
});

describe("an unauthenticated client", () => {
  it.each(ALL)("cannot read %s", async (collection) => {
    const db = env.unauthenticatedContext().firestore();
    await assertFails(db.doc(`${collection}/existing`).get());
    await assertFails(db.collection(collection).get());
  });
});
