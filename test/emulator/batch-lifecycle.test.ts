// A batch's life against the Firestore emulator, the admission handler called directly (no queue, no triggers here):
// submit, a refused submit that creates nothing, resubmission, admission, counts, cancel and retry.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { FieldValue, Timestamp, type Firestore } from "firebase-admin/firestore";
import { beforeAll, describe, expect, it } from "vitest";
import { admitRow } from "../../shared/batch/admit-row";
import { queueTaskId } from "../../shared/batch/batch-ids";
import { cancelBatch } from "../../shared/batch/cancel-batch";
import { planBatch, type BatchPlan } from "../../shared/batch/plan-batch";
import { readBatchProgress } from "../../shared/batch/read-batch-progress";
import { retryBatch } from "../../local/batch/retry-batch";
import { enqueueBatch } from "../../shared/batch/enqueue-batch";
import { fakeQueue } from "../support/fake-queue";
import { formatIssues } from "../../shared/config/config-issue";
import { DEFAULT_VALIDATION } from "../../shared/validation/validate-config";
import { DEFAULT_LIMITS } from "../../shared/limits";
import { getDb } from "../../shared/pipeline/firestore";
import { gridBatch } from "../support/batch-configs";
import { readDoc, requireEmulator, uniqueId } from "../support/firestore-test-env";
import { match } from "../support/matchers";
import { runTool, tempDir } from "../unit/tools/run-tool";

let db: Firestore;
const deps = () => ({ db, validation: DEFAULT_VALIDATION, maxRunsInFlight: DEFAULT_LIMITS.runningJobsPerUser });

beforeAll(async () => {
  requireEmulator();
  db = await getDb();
});

function plan(raw: unknown): BatchPlan {
  const result = planBatch({ raw }, DEFAULT_VALIDATION);
  if (!result.ok) throw new Error(formatIssues(result.issues));
  return result.plan;
}

const jobsOf = async (batchId: string) => (await db.collection("jobs").where("batch_id", "==", batchId).get()).docs;

/** Submits and admits every run, as the queue would. */
async function submitAndAdmit(raw: unknown) {
  const queue = fakeQueue();
  const p = plan(raw);
  expect(await enqueueBatch({ db, enqueue: queue.enqueue }, p)).toMatchObject({ kind: "created", enqueued: p.runsTotal });
  for (const dispatch of queue.tasks.values()) expect((await admitRow(deps(), dispatch)).kind).toBe("admitted");
  return { plan: p, queue };
}

/** Ends a job as the pipeline would: status, usage, times. */
async function endJob(jobId: string, status: "success" | "failed" | "running", tokens = 10) {
  const now = Timestamp.now();
  const ended = status === "running" ? {} : { finished_at: now };
  const error = status === "failed" ? { error: { code: "model_error", message: "HTTP 503 after 6 attempts", retryable: true } } : {};
  await db.doc(`jobs/${jobId}`).update({
    status,
    run_id: "run1",
    runs: 1,
    started_at: now,
    usage: { prompt_tokens: tokens, output_tokens: 0, total_tokens: tokens },
    ...ended,
    ...error,
  });
}

describe("submitting a batch", () => {
  it("creates the batch document and one queue task per run under deterministic ids; admission creates each run's job queued", async () => {
    const batchId = uniqueId("sub");
    const { plan: p, queue } = await submitAndAdmit(gridBatch(batchId, { a: ["1", "2", "3"] }, { repeats: 2 }));
    expect(await readDoc(db, `batches/${batchId}`)).toMatchObject({
      batch_id: batchId,
      status: "running",
      runs_total: 6,
      rows_total: 3,
      repeats: 2,
      variables: ["a"],
      output_variables: ["answer"],
      definition_hash: p.definitionHash,
    });
    expect([...queue.tasks.keys()]).toContain(queueTaskId(`${batchId}~000002~001`));
    const jobs = await jobsOf(batchId);
    expect(jobs.map((j) => j.id)).toEqual([0, 1, 2].flatMap((r) => [0, 1].map((x) => `${batchId}~00000${r}~00${x}`)));
    expect(jobs[5]!.data()).toMatchObject({
      status: "queued",
      row_index: 2,
      repeat: 1,
      inputs: { a: "3" },
      task_config: { input_config: { payload: { a: "3", repeat: "1" } } },
    });
  });

  it("submitting the same batch again creates nothing twice; a duplicate dispatch finds its job", async () => {
    const batchId = uniqueId("again");
    const raw = gridBatch(batchId, { a: ["1", "2"] });
    const { queue } = await submitAndAdmit(raw);
    const before = (await db.doc(`batches/${batchId}`).get()).updateTime!;
    expect(await enqueueBatch({ db, enqueue: queue.enqueue }, plan(raw))).toMatchObject({ kind: "resumed", enqueued: 0, alreadyQueued: 2 });
    for (const dispatch of queue.tasks.values()) expect((await admitRow(deps(), dispatch)).kind).toBe("exists");
    expect(await jobsOf(batchId)).toHaveLength(2);
    expect((await db.doc(`batches/${batchId}`).get()).get("created_at")).toBeDefined();
    expect((await db.doc(`batches/${batchId}`).get()).updateTime!.toMillis()).toBeGreaterThanOrEqual(before.toMillis());
    // Another batch under the same id is refused.
    expect(await enqueueBatch({ db, enqueue: queue.enqueue }, plan(gridBatch(batchId, { a: ["1", "3"] })))).toMatchObject({
      kind: "conflict",
    });
  });

  it("the CLI refuses an invalid batch with every problem and its row, and creates nothing", async () => {
    const dir = await tempDir();
    const batchId = uniqueId("bad");
    await writeFile(join(dir, "rows.csv"), "topic,tnoe\nowls,dry\ncats\n");
    const file = join(dir, "bad.jsonc");
    await writeFile(
      file,
      JSON.stringify({
        ...gridBatch(batchId, { topic: ["x"] }),
        grid: undefined,
        rows: [{ topic: "a" }, { topik: "b" }],
        rows_file: "rows.csv",
        repeats: 0,
      }),
    );
    const run = await runTool("batch", ["submit", file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${file} is not a valid batch (4 problems); nothing was created:`);
    for (const line of [
      "repeats: Too small: expected number to be >=1",
      'rows[1].topik: the entry task "t" declares no input "topik"; it declares "topic"',
      'rows.csv:1.tnoe: the entry task "t" declares no input "tnoe"; it declares "topic"',
      "rows.csv:3: row 2 has 1 field, the header 2; a value with a comma needs quotes",
    ])
      expect(run.stderr).toContain(line);
    expect(await readDoc(db, `batches/${batchId}`)).toBeUndefined();
    expect(await jobsOf(batchId)).toHaveLength(0);
  });
});

describe("a batch's progress", () => {
  it("counts runs per state with aggregations, sums tokens, and ends the batch once every run ended", async () => {
    const batchId = uniqueId("count");
    await submitAndAdmit(gridBatch(batchId, { a: ["1", "2", "3", "4"] }));
    await endJob(`${batchId}~000000~000`, "success", 7);
    await endJob(`${batchId}~000001~000`, "running", 3);
    const progress = await readBatchProgress(db, batchId);
    expect(progress).toMatchObject({
      status: "running",
      total: 4,
      done: 1,
      counts: { queued: 0, admitted: 2, running: 1, success: 1, failed: 0, cancelled: 0 },
      usage: { total_tokens: 10 },
    });
    await endJob(`${batchId}~000001~000`, "success", 3);
    await endJob(`${batchId}~000002~000`, "failed", 1);
    await endJob(`${batchId}~000003~000`, "success", 1);
    const ended = await readBatchProgress(db, batchId);
    expect(ended).toMatchObject({ status: "failed", done: 4, counts: { success: 3, failed: 1 }, usage: { total_tokens: 12 } });
    expect(await readDoc(db, `batches/${batchId}`)).toMatchObject({
      status: "failed",
      final_counts: { success: 3, failed: 1 },
      final_usage: { total_tokens: 12 },
    });
    expect(ended!.finishedAt).toBeGreaterThanOrEqual(ended!.startedAt!);
  });
});

describe("cancelling a batch", () => {
  it("admits no further run, cancels admitted and running runs, and counts the runs never admitted as cancelled", async () => {
    const batchId = uniqueId("cancel");
    const queue = fakeQueue();
    const p = plan(gridBatch(batchId, { a: ["1", "2", "3", "4", "5"] }));
    await enqueueBatch({ db, enqueue: queue.enqueue }, p);
    const dispatches = [...queue.tasks.values()];
    for (const d of dispatches.slice(0, 3)) await admitRow(deps(), d);
    await endJob(`${batchId}~000000~000`, "success");
    await endJob(`${batchId}~000001~000`, "running");
    expect(await cancelBatch({ db }, batchId)).toEqual({ kind: "cancelled", cancelledJobs: 2, runningJobs: 0 });
    // The rest of the queue comes after the cancel: acknowledged, never admitted.
    for (const d of dispatches.slice(3))
      expect(await admitRow(deps(), d)).toEqual({ kind: "skipped", reason: `batch ${batchId} was cancelled` });
    expect(await jobsOf(batchId)).toHaveLength(3);
    expect((await readDoc(db, `jobs/${batchId}~000001~000`))?.status).toBe("cancelled");
    expect(await readBatchProgress(db, batchId)).toMatchObject({
      status: "cancelled",
      counts: { success: 1, cancelled: 4, queued: 0, admitted: 0, running: 0 },
    });
    expect(await cancelBatch({ db }, batchId)).toEqual({ kind: "not_cancelled", reason: "the batch is already cancelled" });
  });
});

describe("retrying a batch", () => {
  it("runs only the failed runs again, as new runs through the queue; runs that succeeded are not touched", async () => {
    const batchId = uniqueId("retry");
    await submitAndAdmit(gridBatch(batchId, { a: ["1", "2", "3"] }));
    await endJob(`${batchId}~000000~000`, "success");
    await endJob(`${batchId}~000001~000`, "failed");
    await endJob(`${batchId}~000002~000`, "failed");
    expect((await readBatchProgress(db, batchId))?.status).toBe("failed");
    const succeeded = await db.doc(`jobs/${batchId}~000000~000`).get();
    const queue = fakeQueue();
    expect(await retryBatch({ db, enqueue: queue.enqueue }, batchId)).toEqual({ kind: "retried", runs: 2 });
    expect([...queue.tasks.values()].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(
      [1, 2].map((r) => ({ kind: "retry", batch_id: batchId, job_id: `${batchId}~00000${r}~000` })),
    );
    // Until the retried runs start, the batch reads as running with two runs queued again.
    expect(await readBatchProgress(db, batchId)).toMatchObject({ status: "running", counts: { queued: 2, success: 1, failed: 0 } });
    for (const d of queue.tasks.values()) expect((await admitRow(deps(), d)).kind).toBe("restarted");
    expect(await readDoc(db, `jobs/${batchId}~000001~000`)).toMatchObject({ status: "running", run_id: "run2", runs: 2 });
    expect((await db.doc(`jobs/${batchId}~000000~000`).get()).updateTime!.isEqual(succeeded.updateTime!)).toBe(true);
    // A second retry finds the same runs' next ids taken: nothing is enqueued twice.
    expect(await retryBatch({ db, enqueue: queue.enqueue }, batchId)).toEqual({
      kind: "not_retried",
      reason: "no run of the batch failed",
    });
  });

  it("a cancelled batch is not retried, and a retry dispatch after a cancel starts nothing", async () => {
    const batchId = uniqueId("nore");
    await submitAndAdmit(gridBatch(batchId, { a: ["1"] }));
    await endJob(`${batchId}~000000~000`, "failed");
    await db.doc(`jobs/${batchId}~000000~000`).update({ status: "pending", updated_at: FieldValue.serverTimestamp() });
    await cancelBatch({ db }, batchId);
    expect(await retryBatch({ db, enqueue: fakeQueue().enqueue }, batchId)).toMatchObject({
      kind: "not_retried",
      reason: match.stringContaining("was cancelled"),
    });
    expect((await admitRow(deps(), { kind: "retry", batch_id: batchId, job_id: `${batchId}~000000~000` })).kind).toBe("skipped");
  });

  it("a payload that is not a dispatch is acknowledged as invalid, not thrown", async () => {
    expect(await admitRow(deps(), { kind: "admit", batch_id: "x" })).toMatchObject({
      kind: "invalid",
      reason: match.stringContaining("not a batch row dispatch: row_index:"),
    });
  });
});
