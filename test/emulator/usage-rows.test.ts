// Promise 19, usage as billed in the rows users read, against the Firestore emulator and the Gemini stand-in, through the
// real trigger bodies (onJobCreated, onTaskCreated): a job sums every usage class its tasks report (thinking, cached)
// and their cost, its export says them per task and per run, and a batch's progress, its end and its summary carry the
// cost and cached steps of its runs. Each scenario adds a row to reliability.json in RELIABILITY_RESULTS_DIR (when set),
// recorded before its assertions.
import { PassThrough } from "node:stream";
import type { Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { onJobCreated, onTaskCreated } from "../../functions/src/trigger-bodies";
import { jobTaskTable, writeTable } from "../../local/batch/export-batch";
import { startStandin, type Standin } from "../../local/standin/standin-server";
import { runRecord } from "../../shared/batch/export-records";
import { readBatchProgress } from "../../shared/batch/read-batch-progress";
import { createPipelineRuntime, type PipelineRuntime } from "../../shared/pipeline/create-pipeline-deps";
import { startJobRun } from "../../shared/pipeline/start-job-run";
import { formatBatchSummary } from "../../tools/batch-report";
import { writeEndedBatch } from "../support/ended-batch";
import { readDoc, requireEmulator, uniqueId } from "../support/firestore-test-env";
import { writeResultRows } from "../support/reliability-rows";
import { modelStep } from "../support/sample-configs";

type Doc = Record<string, unknown>;
type Outcome = "survived" | "failed clearly" | "lost";
type Usage = { prompt_tokens: number; output_tokens: number; total_tokens: number; thinking_tokens?: number; cached_tokens?: number };
type Cost = { usd: number; unpriced_tokens: number };
const P19 = "19 usage rows";
const rows: { promise: string; fault: string; times: number; outcome: Outcome; detail: string }[] = [];
const record = (fault: string, outcome: Outcome, detail: string) => rows.push({ promise: P19, fault, times: 1, outcome, detail });

/** Prompt tokens the stand-in reports as read from the prompt cache, on every answer of this file. */
const CACHED = 3;
let db: Firestore;
let standin: Standin;
let pipeline: PipelineRuntime;

beforeAll(async () => {
  requireEmulator();
  standin = await startStandin();
  standin.configure({ cachedTokens: CACHED });
  vi.spyOn(logger, "info").mockImplementation(() => undefined);
  // The trigger bodies build their deps from the environment on their first call.
  Object.assign(process.env, { GEMINI_BASE_URL: standin.url, RETRY_BASE_DELAY_MS: "5", RETRY_MAX_DELAY_MS: "20" });
  for (const name of ["GEMINI_API_KEY", "LLM_MODEL_TABLE", "LLM_PRICE_TABLE"]) delete process.env[name];
  pipeline = await createPipelineRuntime(process.env);
  db = pipeline.deps.db;
});
afterAll(async () => {
  const dir = process.env.RELIABILITY_RESULTS_DIR;
  if (dir) writeResultRows(dir, "usage-rows.test.ts", rows);
  await pipeline?.runtime.close();
  await standin?.close();
});

/** A task of one model step; `think` asks the model to think (a thinking budget), which the stand-in bills. */
function task(taskId: string, prompt: string, think: boolean, inputs: Record<string, string>, next: string, output: string): Doc {
  const plain = modelStep(`${taskId}-step`, prompt, inputs, { [output]: "" });
  const parameters = { ...plain.model_query_config.parameters, thinking_budget: "512" };
  const step = think ? { ...plain, model_query_config: { ...plain.model_query_config, parameters } } : plain;
  return {
    task_id: taskId,
    input_config: { payload: inputs },
    steps: [step],
    output_config: { payload: { [output]: "" } },
    next_task: next,
  };
}

/** Runs the job's queued tasks, one trigger call each, as runTask would, until the job ends. */
async function runJob(jobId: string): Promise<Doc> {
  await onJobCreated(jobId, new Date().toISOString());
  for (let round = 0; round < 5; round++) {
    const queued = await db.collection("tasks").where("job_id", "==", jobId).where("status", "==", "queued").get();
    for (const t of queued.docs) await onTaskCreated(t.id, new Date().toISOString(), { data: t.data(), updateTime: t.updateTime });
    const job = (await readDoc(db, `jobs/${jobId}`))!;
    if (job.status !== "running" && job.status !== "queued") return job;
  }
  throw new Error(`job ${jobId} did not end`);
}

async function exportedTasks(jobId: string, job: Doc): Promise<Doc[]> {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on("data", (c: Buffer) => chunks.push(c.toString("utf8")));
  await writeTable(out, "jsonl", jobTaskTable(db, jobId, job));
  return chunks
    .join("")
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as Doc);
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe("promise 19: usage as billed, in the documents and rows users read", () => {
  it("promise 19: a job of two tasks sums its tasks' thinking and cached tokens and their cost, its exports say them, and a new run counts afresh", async () => {
    const jobId = uniqueId("usage");
    await db.doc(`jobs/${jobId}`).set({
      job_id: jobId,
      status: "queued",
      task_config: task("think", `${jobId}: think, then answer`, true, {}, "plain", "answer"),
      task_configs: [task("plain", `${jobId}: answer again %answer%`, false, { answer: "" }, "", "reply")],
    });
    const job = await runJob(jobId);
    const tasks = (await db.collection("tasks").where("job_id", "==", jobId).orderBy("hop").get()).docs.map((d) => d.data());
    const usages = tasks.map((t) => t.usage as Usage);
    const costs = tasks.map((t) => t.cost as Cost);
    const jobUsage = job.usage as Usage;
    const jobCost = job.cost as Cost;
    const thinking = usages[0]?.thinking_tokens ?? 0;
    const exported = await exportedTasks(jobId, job);
    const run = runRecord({ variables: [], output_variables: [] }, jobId, job);
    const held =
      job.status === "success" &&
      thinking > 0 &&
      usages[1]?.thinking_tokens === undefined &&
      jobUsage.thinking_tokens === thinking &&
      jobUsage.cached_tokens === sum(usages.map((u) => u.cached_tokens ?? 0)) &&
      jobUsage.cached_tokens === CACHED * 2 &&
      jobCost.usd > 0 &&
      Math.abs(jobCost.usd - sum(costs.map((c) => c.usd))) < 1e-12 &&
      run.thinking_tokens === thinking &&
      run.cost_usd === jobCost.usd &&
      exported[0]?.thinking_tokens === thinking &&
      exported[1]?.thinking_tokens === null;
    record(
      "a two-task job, the first task thinking, every answer reporting cached prompt tokens",
      held ? "survived" : "lost",
      `job ${String(job.status)}: usage ${JSON.stringify(jobUsage)}, cost ${JSON.stringify(jobCost)}; tasks ${JSON.stringify(usages)}, ${JSON.stringify(costs)}`,
    );
    expect(job.status).toBe("success");
    expect(thinking).toBeGreaterThan(0);
    expect(usages[1]).not.toHaveProperty("thinking_tokens");
    expect(jobUsage).toMatchObject({
      prompt_tokens: sum(usages.map((u) => u.prompt_tokens)),
      output_tokens: sum(usages.map((u) => u.output_tokens)),
      total_tokens: sum(usages.map((u) => u.total_tokens)),
      thinking_tokens: thinking,
      cached_tokens: CACHED * 2,
    });
    expect(jobUsage).not.toHaveProperty("cache_write_tokens");
    expect(jobCost.usd).toBeGreaterThan(0);
    expect(jobCost.usd).toBeCloseTo(sum(costs.map((c) => c.usd)), 12);
    expect(job).not.toHaveProperty("cached_steps");
    // The job's export, one line per task, and the batch export's line for the run, as `npm run export` writes them.
    expect(exported.map((t) => [t.task_id, t.thinking_tokens, t.cached_tokens, t.cache_write_tokens, t.cost_usd, t.cached_steps])).toEqual([
      ["think", thinking, CACHED, null, costs[0]!.usd, null],
      ["plain", null, CACHED, null, costs[1]!.usd, null],
    ]);
    expect(run).toMatchObject({ thinking_tokens: thinking, cached_tokens: CACHED * 2, cost_usd: jobCost.usd, unpriced_tokens: 0 });

    // Started again, the job counts afresh: no usage class, cost or cached step of the run before stays.
    await db.doc(`jobs/${jobId}`).update({ cached_steps: 2 });
    expect((await startJobRun(pipeline.deps, jobId, { fromStatuses: ["success"] })).kind).toBe("started");
    expect(await readDoc(db, `jobs/${jobId}`)).toMatchObject({
      run_id: "run2",
      usage: { prompt_tokens: 0, output_tokens: 0, total_tokens: 0 },
      cost: { usd: 0, unpriced_tokens: 0 },
    });
    const restarted = (await readDoc(db, `jobs/${jobId}`))!;
    expect(restarted.usage).not.toHaveProperty("thinking_tokens");
    expect(restarted).not.toHaveProperty("cached_steps");
  });

  it("promise 19: a batch's progress, its end and its summary carry its runs' cost and cached steps", async () => {
    const batchId = uniqueId("usage-batch");
    const batch = await writeEndedBatch(db, batchId, ["a", "b", "c"]);
    const jobs = await db.collection("jobs").where("batch_id", "==", batchId).get();
    // As the finish leaves them: each run's cost; one run took two answers from the response store.
    await Promise.all(
      jobs.docs.map((d, i) => d.ref.update({ cost: { usd: 0.25, unpriced_tokens: i }, ...(i === 0 ? { cached_steps: 2 } : {}) })),
    );
    const progress = (await readBatchProgress(db, batchId))!;
    const stored = await readDoc(db, `batches/${batchId}`);
    const again = (await readBatchProgress(db, batchId))!;
    const summary = formatBatchSummary(again);
    const held =
      progress.status === "success" &&
      progress.cost.usd === 0.75 &&
      progress.cost.unpriced_tokens === 3 &&
      progress.cachedSteps === 2 &&
      again.cost.usd === 0.75 &&
      again.cachedSteps === 2 &&
      summary.includes("$0.75 (+3 tokens without a price), 2 cached steps");
    record(
      "a batch of three runs, each with its cost, one with two cached steps",
      held ? "survived" : "lost",
      `progress ${JSON.stringify({ status: progress.status, cost: progress.cost, cached: progress.cachedSteps })}; ended ${JSON.stringify({ cost: stored?.final_cost, cached: stored?.final_cached_steps })}; ${summary.split("\n")[0]}`,
    );
    expect(batch.runs_total).toBe(3);
    expect(progress).toMatchObject({ status: "success", cost: { usd: 0.75, unpriced_tokens: 3 }, cachedSteps: 2 });
    expect(stored).toMatchObject({ final_cost: { usd: 0.75, unpriced_tokens: 3 }, final_cached_steps: 2 });
    // Once ended, the batch reads from its own document: the same totals.
    expect(again).toMatchObject({ cost: { usd: 0.75, unpriced_tokens: 3 }, cachedSteps: 2 });
    expect(summary.split("\n")[0]).toContain(
      "6 tokens (3 prompt, 3 output), $0.75 (+3 tokens without a price), 2 cached steps (answered from the response store, not paid)",
    );
  });
});
