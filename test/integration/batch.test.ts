// Batches end to end: runs admitted through the Cloud Tasks emulator's queue into jobs, run by the real triggers against
// the stand-in, followed, cancelled, retried and exported through the command-line tools.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Firestore } from "firebase-admin/firestore";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseCsv } from "../../shared/batch/csv";
import { planBatch, type BatchPlan } from "../../shared/batch/plan-batch";
import { readBatchProgress } from "../../shared/batch/read-batch-progress";
import { enqueueBatch } from "../../shared/batch/enqueue-batch";
import { createTaskQueueEnqueuer, type Enqueue } from "../../shared/batch/task-queue";
import { watchBatch } from "../../local/batch/watch-batch";
import { formatIssues } from "../../shared/config/config-issue";
import { DEFAULT_VALIDATION } from "../../shared/validation/validate-config";
import { getDb } from "../../shared/pipeline/firestore";
import { batchTemplate, gridBatch } from "../support/batch-configs";
import { requireEmulator, uniqueId, waitFor } from "../support/firestore-test-env";
import { HOSTILE } from "../support/hostile-values";
import { match } from "../support/matchers";
import { configureStandin, resetStandin } from "../support/standin-admin";
import { runTool, tempDir } from "../unit/tools/run-tool";

let db: Firestore;
let enqueue: Enqueue;

beforeAll(async () => {
  requireEmulator();
  if (!process.env.CLOUD_TASKS_EMULATOR_HOST)
    throw new Error("CLOUD_TASKS_EMULATOR_HOST is not set: the integration phase must start the Cloud Tasks emulator (--only ...,tasks)");
  db = await getDb();
  enqueue = await createTaskQueueEnqueuer();
});
afterEach(async () => {
  await resetStandin();
});

function plan(raw: unknown): BatchPlan {
  const result = planBatch({ raw }, DEFAULT_VALIDATION);
  if (!result.ok) throw new Error(formatIssues(result.issues));
  return result.plan;
}

const jobsOf = async (batchId: string) => (await db.collection("jobs").where("batch_id", "==", batchId).get()).docs;

/** The seed batch under a fresh id (and its rows file beside it), so that it can run in any session. */
async function seedBatchCopy(): Promise<{ file: string; batchId: string }> {
  const dir = await tempDir();
  const batchId = uniqueId("moral");
  const text = await readFile("seeds/batches/moral_machine.jsonc", "utf8");
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "moral_machine_dilemmas.csv"), await readFile("seeds/batches/moral_machine_dilemmas.csv"));
  const file = join(dir, "batch.jsonc");
  await writeFile(file, text.replace('"batch_id": "moral_machine"', `"batch_id": "${batchId}"`));
  return { file, batchId };
}

describe("a batch through the Cloud Tasks emulator and the triggers", () => {
  it("the seed batch: submitted by the CLI, admitted through the queue, watched to success, its counts and tokens exact, exported as rows", async () => {
    const { file, batchId } = await seedBatchCopy();
    const submitted = await runTool("batch", ["submit", file]);
    expect(submitted.code, submitted.stderr).toBe(0);
    expect(submitted.stdout.trim()).toBe(batchId);
    expect(submitted.stderr).toContain("6 rows (with moral_machine_dilemmas.csv) x grid language (4) = 24 rows = 24 runs of trolley");
    const watched = await runTool("batch", ["watch", batchId, "--interval", "1"]);
    expect(watched.code, watched.stdout + watched.stderr).toBe(0);
    expect(watched.stdout).toMatch(/\] 24\/24 100% \| failed 0 \|/);
    expect(watched.stdout).toMatch(new RegExp(`Batch ${batchId} SUCCESS in \\d+s: 24/24 runs succeeded, 0 failed, 0 cancelled`));

    const jobs = await jobsOf(batchId);
    expect(jobs).toHaveLength(24);
    const progress = (await readBatchProgress(db, batchId))!;
    expect(progress.counts).toEqual({ queued: 0, admitted: 0, running: 0, success: 24, failed: 0, cancelled: 0 });
    expect(progress.usage.total_tokens).toBe(jobs.reduce((n, j) => n + Number(j.get("usage.total_tokens")), 0));
    expect(progress.usage.total_tokens).toBeGreaterThan(0);

    const exported = await runTool("export", [batchId, "--format", "csv"]);
    expect(exported.code, exported.stderr).toBe(0);
    const [header, ...rows] = parseCsv(exported.stdout).map((r) => r.fields);
    expect(header!.slice(0, 9)).toEqual([
      "row_id",
      "repeat",
      "model",
      "input.dimension",
      "input.dilemma_id",
      "input.dilemma",
      "input.language",
      "output.row",
      "output.log_result",
    ]);
    expect(rows).toHaveLength(24);
    const last = Object.fromEntries(header!.map((h, i) => [h, rows[23]![i]]));
    expect(last).toMatchObject({
      row_id: `${batchId}~000023`,
      "input.language": "ja",
      "input.dimension": "utilitarianism",
      "input.dilemma_id": "2",
      status: "success",
      attempts: "1",
    });
    expect(last["input.dilemma"]).toContain('told the siding was "safe"');
    expect(JSON.parse(last["output.row"]!)).toMatchObject({
      collection: "TaskLogs",
      data: match.objectContaining({ problem_code: match.any(String) }),
    });
    expect(JSON.parse(last["output.log_result"]!)).toMatchObject({ status: "success" });
  });

  it("hostile inputs round-trip through the chain and the CSV export (--raw); submitting again creates nothing twice", async () => {
    const batchId = uniqueId("hostile");
    const raw = {
      batch_id: batchId,
      job: batchTemplate("%text%", ["text"]),
      rows: HOSTILE.filter((t) => t.trim()).map((text) => ({ text })),
    };
    const p = plan(raw);
    expect(await enqueueBatch({ db, enqueue }, p)).toMatchObject({ kind: "created", enqueued: p.runsTotal });
    expect(await enqueueBatch({ db, enqueue }, plan(raw))).toMatchObject({ kind: "resumed", enqueued: 0, alreadyQueued: p.runsTotal });
    expect((await watchBatch(db, batchId, { intervalMs: 500, timeoutMs: 90_000 })).status).toBe("success");
    expect(await enqueueBatch({ db, enqueue }, plan(raw))).toMatchObject({ kind: "ended", status: "success" });
    const jobs = await jobsOf(batchId);
    expect(jobs).toHaveLength(p.runsTotal);
    expect(jobs.every((j) => j.get("run_id") === "run1")).toBe(true);
    // --raw: exact values (by default a cell a spreadsheet would read as a formula, "=1+1 ...", gets a ' before it).
    const exported = await runTool("export", [batchId, "--raw"]);
    const [header, ...rows] = parseCsv(exported.stdout).map((r) => r.fields);
    const col = (name: string) => header!.indexOf(name);
    expect(rows.map((r) => r[col("input.text")])).toEqual(raw.rows.map((r) => r.text));
    // The stand-in answers with the prompt, which is the row's text: the output holds it exactly.
    expect(rows.map((r) => r[col("output.answer")])).toEqual(raw.rows.map((r) => `[stand-in gemini-2.5-flash] ${r.text}`));
  });

  it("cancel: no run is admitted after it, the admitted ones end cancelled, and the batch ends cancelled", async () => {
    const batchId = uniqueId("cancel");
    const p = plan(gridBatch(batchId, { a: Array.from({ length: 40 }, (_, i) => String(i)) }));
    await enqueueBatch({ db, enqueue }, p);
    await waitFor(async () => ((await jobsOf(batchId)).length >= 3 ? true : undefined), "three runs admitted", 60_000);
    const cancelled = await runTool("batch", ["cancel", batchId]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toMatch(new RegExp(`^Cancelled batch ${batchId}: no further run is admitted; \\d+ admitted runs cancelled`));
    const admitted = (await jobsOf(batchId)).length;
    // The queue goes on dispatching the rest at its pace: each is acknowledged without creating a job.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect((await jobsOf(batchId)).length).toBe(admitted);
    expect(admitted).toBeLessThan(40);
    const progress = (await readBatchProgress(db, batchId))!;
    expect(progress.status).toBe("cancelled");
    expect(progress.counts.success + progress.counts.cancelled).toBe(40);
    expect(progress.counts.cancelled).toBeGreaterThanOrEqual(40 - admitted);
    const watched = await runTool("batch", ["watch", batchId]);
    expect(watched.code).toBe(1);
    expect(watched.stdout).toContain(`Batch ${batchId} CANCELLED`);
  });

  it("retry runs only the failed runs again, as new runs, and the batch then succeeds", async () => {
    const batchId = uniqueId("retry");
    // The first three model calls are refused (400 is never retried): three runs fail.
    await configureStandin({ script: ["400", "400", "400"] });
    // cache off: the scripted faults must meet real calls, not answers other tests stored for the same prompts.
    const p = plan(gridBatch(batchId, { a: ["1", "2", "3", "4", "5", "6", "7", "8"] }, { cache: false }));
    await enqueueBatch({ db, enqueue }, p);
    const first = await watchBatch(db, batchId, { intervalMs: 500, timeoutMs: 90_000 });
    expect(first).toMatchObject({ status: "failed", counts: { success: 5, failed: 3 } });
    const failedIds = (await jobsOf(batchId)).filter((j) => j.get("status") === "failed").map((j) => j.id);
    const succeeded = new Map(
      (await jobsOf(batchId)).filter((j) => j.get("status") === "success").map((j) => [j.id, j.updateTime.toMillis()]),
    );
    const retried = await runTool("batch", ["retry", batchId]);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toContain(`Retrying 3 failed runs of batch ${batchId}.`);
    expect((await watchBatch(db, batchId, { intervalMs: 500, timeoutMs: 90_000 })).status).toBe("success");
    for (const job of await jobsOf(batchId)) {
      if (failedIds.includes(job.id)) expect(job.data()).toMatchObject({ status: "success", run_id: "run2", runs: 2 });
      else expect(job.updateTime.toMillis()).toBe(succeeded.get(job.id));
    }
    expect((await db.doc(`batches/${batchId}`).get()).get("retries")).toBe(1);
  });
});
