// shared/pipeline/submit-job.ts against the Firestore emulator: what a submitted job becomes, what is refused and
// why, and the per-user limit (no triggers run here, so submitted jobs stay queued until a test moves them on).
import type { Firestore } from "firebase-admin/firestore";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_VALIDATION } from "../../shared/validation/validate-config";
import { getDb } from "../../shared/pipeline/firestore";
import { startJobRun } from "../../shared/pipeline/start-job-run";
import { submitUserJob, type SubmitJobDeps } from "../../shared/pipeline/submit-user-job";
import { readDoc, requireEmulator, uniqueId } from "../support/firestore-test-env";
import { match } from "../support/matchers";
import { oneStepTask } from "../support/sample-configs";
import { recordSuiteRow } from "../support/reliability-rows";

let db: Firestore;
let deps: SubmitJobDeps;

beforeAll(async () => {
  requireEmulator();
  db = await getDb();
  deps = { db, validation: DEFAULT_VALIDATION, maxRunningJobs: 2 };
});

const job = (jobId: string, extra: Record<string, unknown> = {}) => ({
  job_id: jobId,
  task_config: oneStepTask("only", "hello from %who%", { who: "a user" }),
  ...extra,
});

// One row for the reliability report, in RELIABILITY_RESULTS_DIR when a run writes results.
recordSuiteRow(
  { afterEach, afterAll },
  "submit-job.test.ts",
  "12 owner",
  "submitJob: invalid jobs, run state or owner in the request, an existing id, the per-user limit of running jobs",
  "failed clearly",
);
describe("submitJob", () => {
  it("creates jobs/{id} queued, owned by the caller, with the normalized config, and the trigger's startJobRun accepts it", async () => {
    const uid = uniqueId("user");
    const jobId = uniqueId("job");
    expect(await submitUserJob(deps, uid, { job: job(jobId) })).toEqual({ kind: "created", jobId });
    const doc = await readDoc(db, `jobs/${jobId}`);
    expect(doc).toMatchObject({ job_id: jobId, status: "queued", owner_uid: uid, task_configs: [] });
    expect(doc?.created_at).toBeDefined();
    // owner_uid is part of the job's envelope, so the job's own validation at start does not see it as a config field.
    const started = await startJobRun({ db, validation: DEFAULT_VALIDATION }, jobId, { fromStatuses: ["queued"] });
    expect(started.kind).toBe("started");
    expect(await readDoc(db, `jobs/${jobId}`)).toMatchObject({ status: "running", owner_uid: uid });
  });

  it("generates a job id when the job has none", async () => {
    const uid = uniqueId("user");
    const result = await submitUserJob(deps, uid, { job: { task_config: oneStepTask("only", "hi") } });
    expect(result.kind).toBe("created");
    const jobId = (result as { jobId: string }).jobId;
    expect(jobId).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(await readDoc(db, `jobs/${jobId}`)).toMatchObject({ job_id: jobId, owner_uid: uid });
  });

  it("refuses an invalid job with every problem at its path, and creates nothing", async () => {
    const jobId = uniqueId("bad");
    const bad = job(jobId, {
      task_config: {
        ...oneStepTask("first", "hi", {}, "missing"),
        steps: [{ ...oneStepTask("x", "y").steps[0]!, model_query_config: { model_key: "GEMINI_FLAHS", user_promt: "typo" } }],
      },
      max_hops: 0,
    });
    const result = await submitUserJob(deps, uniqueId("user"), { job: bad });
    expect(result.kind).toBe("invalid");
    const paths = (result as { issues: { path: string }[] }).issues.map((i) => i.path).sort();
    expect(paths).toEqual([
      "max_hops",
      "task_config.next_task",
      "task_config.steps[0].model_query_config.model_key",
      "task_config.steps[0].model_query_config.user_promt",
    ]);
    expect(await readDoc(db, `jobs/${jobId}`)).toBeUndefined();
  });

  it("refuses run state, owner_uid and a status other than queued in the submitted job", async () => {
    const jobId = uniqueId("forged");
    const result = await submitUserJob(deps, uniqueId("user"), {
      job: job(jobId, { owner_uid: "someone-else", run_id: "run9", status: "success" }),
    });
    expect(result).toEqual({
      kind: "invalid",
      issues: [
        { path: "owner_uid", message: "set from the caller's sign-in; leave it out" },
        { path: "run_id", message: "run state is written by the pipeline; leave it out" },
        { path: "status", message: 'a submitted job starts queued, got the string "success"; leave status out' },
      ],
    });
    expect(await readDoc(db, `jobs/${jobId}`)).toBeUndefined();
  });

  it("refuses a malformed request at its path", async () => {
    const uid = uniqueId("user");
    expect(await submitUserJob(deps, uid, null)).toEqual({
      kind: "invalid",
      issues: [{ path: "", message: "the request must be { job: <a job config> }, got null" }],
    });
    expect(await submitUserJob(deps, uid, { job: "not a job" })).toMatchObject({
      kind: "invalid",
      issues: [{ path: "job", message: match.stringContaining("needs a job config object") }],
    });
    expect(await submitUserJob(deps, uid, { job: job(uniqueId("j")), extra: 1 })).toEqual({
      kind: "invalid",
      issues: [{ path: "extra", message: "unknown field (check its spelling)" }],
    });
  });

  it("accepts a next_task from the task_configs library, and reports a missing or invalid library task", async () => {
    const uid = uniqueId("user");
    const libraryId = uniqueId("lib");
    await db.doc(`task_configs/${libraryId}`).set(oneStepTask(libraryId, "again: %answer%", { answer: "" }, "", "again"));
    expect(
      (await submitUserJob(deps, uid, { job: job(uniqueId("j"), { task_config: oneStepTask("first", "hi", {}, libraryId) }) })).kind,
    ).toBe("created");

    const missing = await submitUserJob(deps, uid, {
      job: job(uniqueId("j"), { task_config: oneStepTask("first", "hi", {}, "no-such-task") }),
    });
    expect(missing).toEqual({
      kind: "invalid",
      issues: [
        {
          path: "task_config.next_task",
          message: 'next_task "no-such-task" names no task in this job\'s task_configs nor in the task_configs library',
        },
      ],
    });

    const brokenId = uniqueId("broken");
    await db.doc(`task_configs/${brokenId}`).set({ task_id: brokenId, stepz: [] });
    const broken = await submitUserJob(deps, uid, { job: job(uniqueId("j"), { task_config: oneStepTask("first", "hi", {}, brokenId) }) });
    expect(broken).toEqual({
      kind: "invalid",
      issues: [{ path: `task_configs/${brokenId}.stepz`, message: "unknown field (check its spelling)" }],
    });
  });

  it("refuses a job id that already exists and leaves that job as it was", async () => {
    const jobId = uniqueId("taken");
    await db.doc(`jobs/${jobId}`).set({ job_id: jobId, status: "success", owner_uid: "first-owner" });
    expect(await submitUserJob(deps, uniqueId("user"), { job: job(jobId) })).toEqual({ kind: "exists", jobId });
    expect(await readDoc(db, `jobs/${jobId}`)).toEqual({ job_id: jobId, status: "success", owner_uid: "first-owner" });
  });
});

describe("the per-user limit of queued and running jobs", () => {
  it("refuses a user at the limit, counting only their queued and running jobs, and lets them go on when one ends", async () => {
    const alice = uniqueId("alice");
    // Finished and pending jobs take no place in the limit.
    await db.doc(`jobs/${uniqueId("done")}`).set({ status: "success", owner_uid: alice });
    await db.doc(`jobs/${uniqueId("failed")}`).set({ status: "failed", owner_uid: alice });
    await db.doc(`jobs/${uniqueId("pending")}`).set({ status: "pending", owner_uid: alice });
    const first = uniqueId("first");
    expect((await submitUserJob(deps, alice, { job: job(first) })).kind).toBe("created");
    await db.doc(`jobs/${first}`).update({ status: "running" });
    expect((await submitUserJob(deps, alice, { job: job(uniqueId("second")) })).kind).toBe("created");

    const third = uniqueId("third");
    expect(await submitUserJob(deps, alice, { job: job(third) })).toEqual({ kind: "limit_reached", active: 2, limit: 2 });
    expect(await readDoc(db, `jobs/${third}`)).toBeUndefined();
    // Another user's count is their own.
    expect((await submitUserJob(deps, uniqueId("bob"), { job: job(uniqueId("bobs")) })).kind).toBe("created");

    await db.doc(`jobs/${first}`).update({ status: "success" });
    expect(await submitUserJob(deps, alice, { job: job(third) })).toEqual({ kind: "created", jobId: third });
  });
});
