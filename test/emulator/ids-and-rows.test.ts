// Promises 15 (ids cannot be squatted or collide) and 16 (logged rows belong to their owner), each attack driven
// through the real bodies of the deployed functions (submitJob, startJob, runTask, admitBatchRow, settleBatches)
// against the Firestore emulator and the Gemini stand-in, plus the rules that let an owner read their rows. Each
// scenario adds a row to reliability.json in RELIABILITY_RESULTS_DIR (when set), recorded before its assertions.
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  type RulesTestContext,
  type RulesTestEnvironment,
} from "@firebase/rules-unit-testing";
import { readFileSync } from "node:fs";
import type { Firestore } from "firebase-admin/firestore";
import { setLogLevel } from "firebase/firestore";
import { logger } from "firebase-functions";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { onSubmitJob } from "../../functions/src/submit-job-body";
import { onBatchRowDispatched, onSettleBatches } from "../../functions/src/trigger-bodies";
import { refusedRunJobId, runJobId } from "../../shared/batch/batch-ids";
import { submitUserBatch } from "../../shared/batch/submit-user-batch";
import { fakeQueue } from "../support/fake-queue";
import { PIPELINE_COLLECTIONS } from "../../shared/collections";
import { DEFAULT_VALIDATION } from "../../shared/validation/validate-config";
import { getDb } from "../../shared/pipeline/firestore";
import { startStandin, type Standin } from "../../local/standin/standin-server";
import { readDoc, requireEmulator, uniqueId } from "../support/firestore-test-env";
import { runJobThroughTriggers } from "../support/run-job";
import { writeResultRows } from "../support/reliability-rows";
import { modelStep, oneStepTask } from "../support/sample-configs";
import { verifiedCaller } from "../support/callers";

type Doc = Record<string, unknown>;
type Outcome = "survived" | "failed clearly" | "lost";
const rows: { promise: string; fault: string; times: number; outcome: Outcome; detail: string }[] = [];
const record = (promise: string, fault: string, times: number, outcome: Outcome, detail: string) =>
  rows.push({ promise, fault, times, outcome, detail });

const P15 = "15 ids";
const P16 = "16 logged rows";
const LOGS = "IdsAndRowsLogs";

let db: Firestore;
let standin: Standin;
const errorOf = (doc: Doc | undefined) => doc?.error as { code?: string; message?: string; retryable?: boolean } | undefined;
type StepDoc = { step_id: string; status: string; attempts: number; error?: { code: string; message: string; retryable: boolean } };
const stepsOf = (doc: Doc | undefined) => (doc?.steps ?? []) as StepDoc[];

beforeAll(async () => {
  requireEmulator();
  standin = await startStandin();
  // The trigger bodies build their pipeline on the first event, from this environment, as a function instance does.
  process.env.GEMINI_BASE_URL = standin.url;
  for (const name of ["GEMINI_API_KEY", "FIRESTORE_LOG_COLLECTIONS", "LLM_MODEL_TABLE", "MAX_RUNNING_JOBS_PER_USER"])
    delete process.env[name];
  Object.assign(process.env, { RETRY_BASE_DELAY_MS: "5", RETRY_MAX_DELAY_MS: "20" });
  vi.spyOn(logger, "info").mockImplementation(() => undefined);
  db = await getDb();
});
beforeEach(() => standin.configure({ latencyMs: 0, rpm: 0, faults: {}, script: [], retryDelayMs: 100 }));
afterAll(async () => {
  const dir = process.env.RELIABILITY_RESULTS_DIR;
  if (dir) writeResultRows(dir, "ids-and-rows.test.ts", rows);
  await standin?.close();
});

/** What the submitJob callable answers: the job id, or the HttpsError's code and message. */
async function submit(uid: string, job: Doc): Promise<{ jobId?: string; code?: string; message?: string }> {
  try {
    return { jobId: (await onSubmitJob(verifiedCaller(uid), { job })).job_id };
  } catch (err) {
    return { code: (err as { code?: string }).code ?? "", message: (err as Error).message };
  }
}

/** The startJob trigger, then the runTask trigger for each task of the chain, until the job ends. */
const runJob = (jobId: string) => runJobThroughTriggers(db, jobId);

/** The output document (run record) of the job's current task. */
const lastOutput = async (job: Doc | undefined) => readDoc(db, `outputs/${String(job?.current_task_doc_id)}`);

/** A one-task job whose only step is a firestore_log call with `request` (values from the entry task's inputs). */
function logJob(jobId: string | undefined, request: string, inputs: Record<string, string> = {}): Doc {
  return {
    ...(jobId ? { job_id: jobId } : {}),
    task_config: {
      task_id: "log",
      input_config: { payload: inputs },
      steps: [
        {
          id: "log",
          step_type: 1,
          input_config: { payload: Object.fromEntries(Object.keys(inputs).map((k) => [k, ""])) },
          function_call_config: { function_name: "firestore_log", request },
          output_config: { payload: { result: "" } },
        },
      ],
      output_config: { payload: { result: "" } },
    },
  };
}

describe("promise 15: ids cannot be squatted or collide", () => {
  it("promise 15: submitJob refuses a job id holding the reserved ~, so no user can take another user's batch run", async () => {
    const batchId = uniqueId("victim");
    const squat = runJobId(batchId, 0, 0);
    const answer = await submit(uniqueId("mallory"), { job_id: squat, task_config: oneStepTask("t", "hi") });
    const taken = await readDoc(db, `jobs/${squat}`);
    const held = answer.code === "invalid-argument" && /job_id: .*"~" is reserved/.test(answer.message ?? "") && !taken;
    record(
      P15,
      "a user submits the job <batch>~000000~000 before another user's batch exists",
      1,
      held ? "failed clearly" : "lost",
      `submitJob answered ${answer.code ?? `created ${answer.jobId}`}: ${(answer.message ?? "").split("\n")[1] ?? ""}`,
    );
    expect(answer.code).toBe("invalid-argument");
    expect(answer.message).toMatch(/job_id: .*cannot be a job_id: "~" is reserved/);
    expect(taken).toBeUndefined();
  });

  it("promise 15: a run whose id another user's job already holds ends failed, saying why, and the batch still ends", async () => {
    const alice = uniqueId("alice");
    const batchId = uniqueId("squatted");
    const squat = runJobId(batchId, 0, 0);
    // As a job made before "~" was reserved would be: owned by another user, not a run of any batch.
    const squatter = { job_id: squat, status: "success", owner_uid: uniqueId("mallory"), task_config: oneStepTask("t", "mine") };
    await db.doc(`jobs/${squat}`).set(squatter);
    const queue = fakeQueue();
    const batch = { batch_id: batchId, job: { task_config: oneStepTask("t", "row %a%", { a: "" }) }, grid: { a: ["0", "1"] } };
    const deps = { db, validation: DEFAULT_VALIDATION, enqueue: queue.enqueue };
    expect((await submitUserBatch(deps, alice, { batch })).kind).toBe("created");
    for (const dispatch of queue.tasks.values()) await onBatchRowDispatched(dispatch);
    const other = runJobId(batchId, 1, 0);
    await runJob(other);
    await onSettleBatches();

    const refused = await readDoc(db, `jobs/${refusedRunJobId(squat)}`);
    const ended = await readDoc(db, `batches/${batchId}`);
    const kept = await readDoc(db, `jobs/${squat}`);
    const held =
      refused?.status === "failed" &&
      errorOf(refused)?.code === "conflict" &&
      refused.owner_uid === alice &&
      ended?.status === "failed" &&
      kept?.owner_uid === squatter.owner_uid &&
      kept.batch_id === undefined;
    record(
      P15,
      "another user's job already sits at a batch run's id when the batch is admitted",
      1,
      held ? "failed clearly" : "lost",
      `row 0: ${String(refused?.status)} (${String(errorOf(refused)?.code)}); batch ${String(ended?.status)}; the squatter's job untouched: ${String(kept?.owner_uid === squatter.owner_uid)}`,
    );
    expect(refused).toMatchObject({ status: "failed", batch_id: batchId, row_index: 0, owner_uid: alice });
    expect(errorOf(refused)?.message).toMatch(
      new RegExp(
        `^jobs/${squat} was already taken by a job that is not this run \\(it belongs to no batch\\), so the row did not run: retry`,
      ),
    );
    expect(await readDoc(db, `jobs/${other}`)).toMatchObject({ status: "success", owner_uid: alice });
    expect(ended).toMatchObject({ status: "failed", final_counts: { success: 1, failed: 1 } });
    expect(kept).toMatchObject(squatter);
    expect(kept?.batch_id).toBeUndefined();
  });

  it("promise 15: ids that differ never name one document: an id that would have been rewritten is refused, saying which characters an id may hold", async () => {
    const tag = uniqueId("ab");
    const spaced = await submit(uniqueId("user"), logJob(`${tag} x`, "{}"));
    // Written as the operator's seed writes jobs (no submitJob): the start refuses the id instead of rewriting it.
    const seeded = `${tag} y`;
    await db.doc(`jobs/${seeded}`).set({ job_id: seeded, status: "queued", task_config: oneStepTask("t", `${tag} seeded`) });
    await db.doc(`jobs/${tag}_y`).set({ job_id: `${tag}_y`, status: "queued", task_config: oneStepTask("t", `${tag} underscored`) });
    const seededJob = await runJob(seeded);
    const underscored = await runJob(`${tag}_y`);
    const tasks = (
      await db
        .collection("tasks")
        .where("job_id", "in", [seeded, `${tag}_y`])
        .get()
    ).docs;
    const named = tasks.map((t) => `${String(t.get("job_id"))} -> ${t.id}`);
    const held =
      spaced.code === "invalid-argument" &&
      seededJob?.status === "failed" &&
      underscored?.status === "success" &&
      tasks.every((t) => t.id.startsWith(`${String(t.get("job_id"))}~`));
    record(
      P15,
      'two jobs "a y" and "a_y" (and a submitted "a x")',
      3,
      held ? "failed clearly" : "lost",
      `submitJob: ${spaced.code ?? "created"}; seeded "a y": ${String(seededJob?.status)}; "a_y": ${String(underscored?.status)}; tasks: ${named.join(", ")}`,
    );
    expect(spaced.message).toContain(
      `job_id: "${tag} x" cannot be a job_id: it holds " " (U+0020); an id may hold only letters and digits (any script, accents included) and _ - . : @ +`,
    );
    expect(seededJob).toMatchObject({ status: "failed", error: { code: "invalid_config" } });
    expect(errorOf(seededJob)?.message).toContain(`job_id: "${seeded}" cannot be a job_id: it holds " "`);
    expect(underscored?.status).toBe("success");
    expect(named).toEqual([`${tag}_y -> ${tag}_y~run1~1~t`]);
  });

  it("promise 15: a firestore_log document_id of .., __x__ or one holding / fails the step at once, not retried", async () => {
    const uid = uniqueId("user");
    const results: string[] = [];
    for (const documentId of ["..", "__x__", "a/b"]) {
      const { jobId } = await submit(uid, logJob(undefined, JSON.stringify({ collection: LOGS, document_id: documentId, data: { n: 1 } })));
      const job = await runJob(jobId!);
      const step = stepsOf(await lastOutput(job))[0];
      if (step?.status === "failed" && step.attempts === 1 && step.error?.retryable === false) results.push(documentId);
    }
    record(
      P15,
      "firestore_log asked to write document ids Firestore refuses: .., __x__, a/b",
      3,
      results.length === 3 ? "failed clearly" : "lost",
      `failed on the first attempt, not retryable: ${results.join(", ") || "none"}`,
    );
    expect(results).toEqual(["..", "__x__", "a/b"]);
  });
});

describe("promise 16: logged rows belong to their owner", () => {
  const request = (documentId: string, data: Doc) => JSON.stringify({ collection: LOGS, document_id: documentId, data });

  it("promise 16: a row carries its job's owner, and another owner's job never overwrites it, failing with why and what to do", async () => {
    const [alice, bob] = [uniqueId("alice"), uniqueId("bob")];
    const rowId = uniqueId("shared-row");
    const first = await runJob((await submit(alice, logJob(undefined, request(rowId, { by: "alice" })))).jobId!);
    const second = await runJob((await submit(bob, logJob(undefined, request(rowId, { by: "bob" })))).jobId!);
    const again = await runJob((await submit(alice, logJob(undefined, request(rowId, { by: "alice again" })))).jobId!);
    const row = await readDoc(db, `${LOGS}/${rowId}`);
    const refusal = stepsOf(await lastOutput(second))[0]?.error;
    const held =
      first?.status === "success" &&
      second?.status === "failed" &&
      again?.status === "success" &&
      row?.owner_uid === alice &&
      row.by === "alice again" &&
      refusal?.retryable === false;
    record(
      P16,
      "job B (another user) logs a row at the id of job A's row",
      1,
      held ? "failed clearly" : "lost",
      `A: ${String(first?.status)}, B: ${String(second?.status)} (${refusal?.message ?? "no error"}), A again: ${String(again?.status)}; the row holds ${JSON.stringify({ by: row?.by, owner: row?.owner_uid === alice ? "A" : row?.owner_uid })}`,
    );
    expect(row).toMatchObject({ by: "alice again", owner_uid: alice, execution_id: again?.current_task_doc_id });
    expect(second?.status).toBe("failed");
    expect(refusal).toMatchObject({ code: "function_error", retryable: false });
    expect(refusal?.message).toBe(
      `firestore_log: ${LOGS}/${rowId} was not overwritten: another user's job wrote it, and a logged row is only ever overwritten by jobs of the same owner; choose another document_id, or leave it out for one derived from this run`,
    );
    expect(stepsOf(await lastOutput(first))[0]).toMatchObject({ logged_row: { collection: LOGS, document_id: rowId } });
  });

  it("promise 16: a job without an owner (the operator's) keeps to rows without an owner, and data cannot name an owner", async () => {
    const alice = uniqueId("alice");
    const rowId = uniqueId("owned-row");
    await runJob((await submit(alice, logJob(undefined, request(rowId, { by: "alice" })))).jobId!);
    const seeded = uniqueId("seeded");
    await db.doc(`jobs/${seeded}`).set({ ...logJob(seeded, request(rowId, { by: "operator" })), status: "queued" });
    const operator = await runJob(seeded);
    const forged = await runJob((await submit(alice, logJob(undefined, request(uniqueId("forged"), { owner_uid: "bob" })))).jobId!);
    const row = await readDoc(db, `${LOGS}/${rowId}`);
    const held = operator?.status === "failed" && forged?.status === "failed" && row?.by === "alice";
    record(
      P16,
      "a job without an owner logs over a user's row; a user's data names another owner",
      2,
      held ? "failed clearly" : "lost",
      `operator's job: ${String(operator?.status)}; data.owner_uid: ${String(forged?.status)}; the row still alice's: ${String(row?.by === "alice")}`,
    );
    expect(stepsOf(await lastOutput(operator))[0]?.error?.message).toContain("was not overwritten: a user's job wrote it");
    expect(stepsOf(await lastOutput(forged))[0]?.error?.message).toBe(
      "firestore_log: request.data.owner_uid is set by the pipeline from the job's owner; leave it out of data",
    );
    expect(row).toMatchObject({ by: "alice", owner_uid: alice });
  });

  it("promise 16: a model answer placed outside a JSON string must be one JSON value: it cannot move the write to another collection", async () => {
    const target = uniqueId("elsewhere");
    const answer = `{"k":1},"collection":"${target}","document_id":"x"`;
    standin.configure({ script: [{ text: answer }] });
    const rowId = uniqueId("row");
    const job = {
      task_config: {
        task_id: "inject",
        steps: [
          modelStep("ask", "answer with a row", {}, { answer: "" }),
          {
            id: "log",
            step_type: 1,
            input_config: { payload: { answer: "" } },
            function_call_config: {
              function_name: "firestore_log",
              request: `{"collection":"${LOGS}","document_id":"${rowId}","data":%answer%}`,
            },
            output_config: { payload: { result: "" } },
          },
        ],
        output_config: { payload: { result: "" } },
      },
    };
    const ended = await runJob((await submit(uniqueId("user"), job)).jobId!);
    const moved = await readDoc(db, `${target}/x`);
    const step = stepsOf(await lastOutput(ended))[1];
    const held = ended?.status === "failed" && step?.error?.code === "invalid_value" && !moved && !(await readDoc(db, `${LOGS}/${rowId}`));
    record(
      P16,
      'a model answer {"k":1},"collection":"elsewhere",... bound to "data": %answer%',
      1,
      held ? "failed clearly" : "lost",
      `step: ${step?.error?.code ?? String(step?.status)}; written to the other collection: ${String(Boolean(moved))}`,
    );
    expect(moved).toBeUndefined();
    expect(step?.error).toMatchObject({ code: "invalid_value", step_id: "log", path: "steps[1].function_call_config.request" });
    expect(step?.error?.message).toMatch(/^%answer% stands outside a JSON string, so its value must be exactly one JSON value/);
  });
});

describe("promise 16: the rules let owners read their own logged rows", () => {
  let env: RulesTestEnvironment;
  const ROWS = "Results";
  const row = (owner?: string) => ({
    answer: "42",
    execution_id: "j~run1~1~t",
    timestamp: "2025-01-01T00:00:00Z",
    ...(owner ? { owner_uid: owner } : {}),
  });

  beforeAll(async () => {
    setLogLevel("error");
    env = await initializeTestEnvironment({
      projectId: "demo-rules-logged-rows",
      firestore: { rules: readFileSync(new URL("../../firestore.rules", import.meta.url), "utf8") },
    });
    await env.withSecurityRulesDisabled(async (admin) => {
      const fs = admin.firestore();
      await fs.doc(`${ROWS}/alice-row`).set(row("alice"));
      await fs.doc(`${ROWS}/bob-row`).set(row("bob"));
      await fs.doc(`${ROWS}/seeded-row`).set(row());
      await fs.doc(`${ROWS}/not-a-row`).set({ owner_uid: "alice", note: "no execution_id: not written by firestore_log" });
      await fs.doc(`${ROWS}/alice-row/more/child`).set(row("alice"));
      for (const collection of PIPELINE_COLLECTIONS) await fs.doc(`${collection}/alice-row`).set(row("alice"));
    });
  });
  afterAll(async () => env?.cleanup());

  const alice = (): RulesTestContext => env.authenticatedContext("alice");

  it("promise 16: an owner reads their own row by its id; never another user's, one without an owner, or a document no job logged", async () => {
    const fs = alice().firestore();
    const holds = (check: Promise<unknown>) =>
      check.then(
        () => true,
        () => false,
      );
    const checks = {
      "reads own": await holds(assertSucceeds(fs.doc(`${ROWS}/alice-row`).get())),
      "not another user's": await holds(assertFails(fs.doc(`${ROWS}/bob-row`).get())),
      "not one without an owner": await holds(assertFails(fs.doc(`${ROWS}/seeded-row`).get())),
      "not one without execution_id": await holds(assertFails(fs.doc(`${ROWS}/not-a-row`).get())),
      "not a subcollection": await holds(assertFails(fs.doc(`${ROWS}/alice-row/more/child`).get())),
      "not signed out": await holds(assertFails(env.unauthenticatedContext().firestore().doc(`${ROWS}/alice-row`).get())),
    };
    const broken = Object.entries(checks)
      .filter(([, ok]) => !ok)
      .map(([name]) => name);
    record(
      P16,
      "client reads of logged rows: own, another user's, unowned, not a row, a subcollection, signed out",
      Object.keys(checks).length,
      broken.length ? "lost" : "survived",
      broken.length ? `did not hold: ${broken.join(", ")}` : Object.keys(checks).join(", "),
    );
    expect(broken).toEqual([]);
  });

  it("promise 16: rows are read one by one: no listing, not even filtered on the owner, and no client writes", async () => {
    const fs = alice().firestore();
    await assertFails(fs.collection(ROWS).where("owner_uid", "==", "alice").get());
    await assertFails(fs.collection(ROWS).get());
    await assertFails(fs.doc(`${ROWS}/alice-row`).set(row("alice")));
    await assertFails(fs.doc(`${ROWS}/new-row`).set(row("alice")));
  });

  it("promise 16: the pipeline's own collections keep their rules: the library is no one's row", async () => {
    const fs = alice().firestore();
    // jobs, tasks, outputs, batches and spend are read by owner through their own rule; task_configs by any signed-in
    // user; the response store and provider batch mode's requests and vendor jobs by admins only: never as a logged row.
    const adminsOnly = ["responses", "batch_requests", "vendor_jobs"];
    for (const collection of PIPELINE_COLLECTIONS) {
      const read = fs.doc(`${collection}/alice-row`).get();
      await (adminsOnly.includes(collection) ? assertFails(read) : assertSucceeds(read));
    }
    const rules = readFileSync(new URL("../../firestore.rules", import.meta.url), "utf8");
    const listed = /function pipelineCollection\(collection\) \{\s*return collection in \[([^\]]*)\]/.exec(rules)?.[1] ?? "";
    expect(
      listed
        .match(/'[^']+'/g)
        ?.map((c) => c.slice(1, -1))
        .sort(),
    ).toEqual([...PIPELINE_COLLECTIONS].sort());
  });
});
