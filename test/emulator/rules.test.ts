// Proves firestore.rules against the Firestore emulator: clients never write; each signed-in user reads their own
// jobs, tasks, outputs and batches (by owner_uid); admins (custom claim admin == true) read everything.
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  type RulesTestContext,
  type RulesTestEnvironment,
} from "@firebase/rules-unit-testing";
import { setLogLevel } from "firebase/firestore";
import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, it } from "vitest";
import { recordSuiteRow } from "../support/reliability-rows";

// Its own project id: the rules loaded here and the documents written here never meet the pipeline's project.
const PROJECT_ID = "demo-rules-test";
/** The collections whose documents carry owner_uid: a user reads their own. */
const OWNED = ["jobs", "tasks", "outputs", "batches"] as const;
const LIBRARY = "task_configs";
// `results` is where the sample firestore_log step writes; `anything` stands for every other collection.
const OTHERS = ["results", "anything"] as const;
const ALL = [...OWNED, LIBRARY, ...OTHERS];
/** In every collection: one document of alice's, one of bob's, and one with no owner (a seeded job, a bare task). */
const DOCS = { alice: "alice-doc", bob: "bob-doc", none: "unowned-doc" } as const;

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

// The documents exist, so update and delete are refused by the rules, not by a missing document.
beforeEach(async () => {
  await env.clearFirestore();
  await env.withSecurityRulesDisabled(async (admin) => {
    const db = admin.firestore();
    for (const collection of ALL) {
      await db.doc(`${collection}/${DOCS.alice}`).set({ status: "queued", job_id: "job-a", owner_uid: "alice" });
      await db.doc(`${collection}/${DOCS.bob}`).set({ status: "queued", job_id: "job-b", owner_uid: "bob" });
      await db.doc(`${collection}/${DOCS.none}`).set({ status: "queued", job_id: "job-seeded" });
      await db.doc(`${collection}/${DOCS.alice}/children/child`).set({ note: "a subcollection document", owner_uid: "alice" });
    }
    await db.doc(`outputs/${DOCS.alice}/overflow/0-response-0`).set({ text: "alice's long text", owner_uid: "alice" });
    await db.doc(`outputs/${DOCS.bob}/overflow/0-response-0`).set({ text: "bob's long text", owner_uid: "bob" });
  });
});

const alice = (): RulesTestContext => env.authenticatedContext("alice", { email: "alice@example.com" });
const admin = (): RulesTestContext => env.authenticatedContext("root", { admin: true });

const clients: Array<[string, () => RulesTestContext]> = [
  ["an unauthenticated client", () => env.unauthenticatedContext()],
  ["a signed-in client", alice],
  ["an admin", admin],
];

describe.each(clients)("%s", (_label, context) => {
  describe.each(ALL)("cannot write to %s", (collection) => {
    it("cannot create a document", async () => {
      const db = context().firestore();
      await assertFails(db.doc(`${collection}/new-doc`).set({ status: "queued", owner_uid: "alice" }));
      await assertFails(db.collection(collection).add({ status: "queued", owner_uid: "alice" }));
    });

    it("cannot update or overwrite a document, not even alice's own", async () => {
      const db = context().firestore();
      await assertFails(db.doc(`${collection}/${DOCS.alice}`).update({ status: "success" }));
      await assertFails(db.doc(`${collection}/${DOCS.alice}`).set({ status: "success", owner_uid: "alice" }));
    });

    it("cannot delete a document, not even alice's own", async () => {
      await assertFails(context().firestore().doc(`${collection}/${DOCS.alice}`).delete());
    });

    it("cannot write in its subcollections", async () => {
      await assertFails(context().firestore().doc(`${collection}/${DOCS.alice}/children/other`).set({ note: "x", owner_uid: "alice" }));
    });
  });

  it("cannot write an output's overflow pieces", async () => {
    await assertFails(context().firestore().doc(`outputs/${DOCS.alice}/overflow/1-response-0`).set({ text: "x", owner_uid: "alice" }));
  });
});

// One row for the reliability report, in RELIABILITY_RESULTS_DIR when a run writes results.
recordSuiteRow(
  { afterEach, afterAll },
  "rules.test.ts",
  "12 owner",
  "client reads and writes under firestore.rules: owner, another user, admin claim, signed out",
  "survived",
);
describe("a signed-in user", () => {
  describe.each(OWNED)("in %s", (collection) => {
    it("reads their own document", async () => {
      await assertSucceeds(alice().firestore().doc(`${collection}/${DOCS.alice}`).get());
    });

    it("cannot read another user's document, nor one without an owner", async () => {
      const db = alice().firestore();
      await assertFails(db.doc(`${collection}/${DOCS.bob}`).get());
      await assertFails(db.doc(`${collection}/${DOCS.none}`).get());
    });

    it("lists with a query filtered on their owner_uid, never unfiltered or on another uid", async () => {
      const db = alice().firestore();
      await assertSucceeds(db.collection(collection).where("owner_uid", "==", "alice").get());
      await assertSucceeds(db.collection(collection).where("owner_uid", "==", "alice").where("job_id", "==", "job-a").get());
      await assertFails(db.collection(collection).get());
      await assertFails(db.collection(collection).where("job_id", "==", "job-a").get());
      await assertFails(db.collection(collection).where("owner_uid", "==", "bob").get());
    });

    it("cannot read subcollections other than an output's overflow", async () => {
      await assertFails(alice().firestore().doc(`${collection}/${DOCS.alice}/children/child`).get());
    });
  });

  it("reads the overflow pieces of their own outputs only", async () => {
    const db = alice().firestore();
    await assertSucceeds(db.doc(`outputs/${DOCS.alice}/overflow/0-response-0`).get());
    await assertSucceeds(db.collection(`outputs/${DOCS.alice}/overflow`).where("owner_uid", "==", "alice").get());
    await assertFails(db.doc(`outputs/${DOCS.bob}/overflow/0-response-0`).get());
    await assertFails(db.collection(`outputs/${DOCS.bob}/overflow`).get());
  });

  it("reads and lists the task_configs library, shared by every job", async () => {
    const db = alice().firestore();
    await assertSucceeds(db.doc(`${LIBRARY}/${DOCS.none}`).get());
    await assertSucceeds(db.collection(LIBRARY).get());
  });

  it.each(OTHERS)("cannot read any other collection (%s)", async (collection) => {
    const db = alice().firestore();
    await assertFails(db.doc(`${collection}/${DOCS.alice}`).get());
    await assertFails(db.collection(collection).where("owner_uid", "==", "alice").get());
  });

  it("is no admin with an admin claim that is not the boolean true", async () => {
    for (const claim of ["true", 1, false]) {
      const db = env.authenticatedContext(`user-${String(claim)}`, { admin: claim }).firestore();
      await assertFails(db.doc(`jobs/${DOCS.bob}`).get());
      await assertFails(db.collection("jobs").get());
    }
  });
});

describe("an admin (custom claim admin == true)", () => {
  it.each(ALL)("reads and lists every document of %s, owned or not, and its subcollections", async (collection) => {
    const db = admin().firestore();
    for (const id of Object.values(DOCS)) await assertSucceeds(db.doc(`${collection}/${id}`).get());
    await assertSucceeds(db.collection(collection).get());
    await assertSucceeds(db.doc(`${collection}/${DOCS.alice}/children/child`).get());
  });

  it("reads every output's overflow pieces", async () => {
    const db = admin().firestore();
    await assertSucceeds(db.doc(`outputs/${DOCS.bob}/overflow/0-response-0`).get());
    await assertSucceeds(db.collection(`outputs/${DOCS.alice}/overflow`).get());
  });
});

describe("an unauthenticated client", () => {
  it.each(ALL)("cannot read %s", async (collection) => {
    const db = env.unauthenticatedContext().firestore();
    await assertFails(db.doc(`${collection}/${DOCS.alice}`).get());
    await assertFails(db.doc(`${collection}/${DOCS.none}`).get());
    await assertFails(db.collection(collection).get());
    await assertFails(db.collection(collection).where("owner_uid", "==", "alice").get());
  });

  it("cannot read overflow pieces", async () => {
    await assertFails(env.unauthenticatedContext().firestore().doc(`outputs/${DOCS.alice}/overflow/0-response-0`).get());
  });
});
