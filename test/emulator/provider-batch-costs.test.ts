// Promise 19, provider batch mode as users see it: a task parked on a vendor batch is `waiting` in the task export, and
// a run paid through the batch API records what it cost (the batch price, half the standard one) and what it would
// have cost synchronously (`standard_usd`), on its steps, its tasks, its job, its batch's progress and summary, and in
// both exports (`standard_cost_usd`). Driven through the real bodies (submitJob, startJob, admitBatchRow, the task's
// pipeline body) against the Firestore emulator; the collector's part is simulated as in provider-batch-park.test.ts:
// the test stores the vendor's answer and marks the request answered, then resumes the task as its queue would.
import { Timestamp, type Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { onSubmitJob } from "../../functions/src/submit-job-body";
import { onBatchRowDispatched, onJobCreated } from "../../functions/src/trigger-bodies";
import { encodeDispatch } from "../../shared/batch/dispatch-wire";
import type { ExportRecord } from "../../shared/batch/export-records";
import { readBatchDocument } from "../../shared/batch/batch-progress";
import { readBatchProgress } from "../../shared/batch/read-batch-progress";
import { submitUserBatch } from "../../shared/batch/submit-user-batch";
import { createPipelineRuntime, type PipelineRuntime } from "../../shared/pipeline/create-pipeline-deps";
import { handleTaskCreated } from "../../shared/pipeline/handle-task-created";
import { answerWrites } from "../../shared/pipeline/response-store";
import { DEFAULT_VALIDATION } from "../../shared/validation/validate-config";
import { batchTable, jobTaskTable } from "../../local/batch/export-batch";
import { startStandin, type Standin } from "../../local/standin/standin-server";
import { formatBatchSummary } from "../../tools/batch-report";
import { verifiedCaller } from "../support/callers";
import { fakeQueue } from "../support/fake-queue";
import { readDoc, requireEmulator, uniqueId } from "../support/firestore-test-env";
import { writeResultRows } from "../support/reliability-rows";
import { oneStepTask } from "../support/sample-configs";

type Doc = Record<string, unknown>;
type Outcome = "survived" | "failed clearly" | "lost";
const rows: { promise: string; fault: string; times: number; outcome: Outcome; detail: string }[] = [];
const record = (fault: string, outcome: Outcome, detail: string) =>
  rows.push({ promise: "19 provider batch costs", fault, times: 1, outcome, detail });

/** What the vendor billed for each answer: a thousand tokens in, a thousand out. */
const USAGE = { prompt_tokens: 1000, output_tokens: 1000, total_tokens: 2000 };
/** gemini-2.5-flash, $0.30 and $2.50 a million: 0.0028 synchronously, half through the batch API. */
const STANDARD_USD = 0.0028;
const BATCH_USD = 0.0014;

let db: Firestore;
let standin: Standin;
let runtime: PipelineRuntime;
const now = () => new Date().toISOString();

beforeAll(async () => {
  requireEmulator();
  standin = await startStandin();
  process.env.GEMINI_BASE_URL = standin.url;
  for (const name of ["GEMINI_API_KEY", "LLM_MODEL_TABLE", "LLM_PRICE_TABLE", "MAX_RUNNING_JOBS_PER_USER", "SUBMITTERS"])
    delete process.env[name];
  vi.spyOn(logger, "info").mockImplementation(() => undefined);
  runtime = await createPipelineRuntime(process.env);
  runtime.deps.providerBatch = { resume: () => Promise.resolve(), schedulePoll: () => Promise.resolve() };
  db = runtime.deps.db;
});
afterAll(async () => {
  const dir = process.env.RELIABILITY_RESULTS_DIR;
  if (dir) writeResultRows(dir, "provider-batch-costs.test.ts", rows);
  await runtime?.runtime.close();
  await standin?.close();
});

/** What the collector does with a vendor's answer: the response store entry (billing batch) and the request answered. */
async function answer(key: string): Promise<void> {
  const request = (await readDoc(db, `batch_requests/${key}`))!;
  const at = Date.now();
  const owner = (request.owner_uid as string | null) ?? undefined;
  const result = { text: `answer ${key.slice(0, 6)}`, finishReason: "STOP", usage: USAGE };
  const writes = answerWrites(key, result, request as { provider: string; model: string }, owner, { at, expiresAt: at + 86_400_000 });
  for (const w of writes) await db.doc(w.path).set({ ...w.data, billing: "batch", stored_at: Timestamp.fromMillis(at) });
  await db.doc(`batch_requests/${key}`).update({ state: "answered", updated_at: Timestamp.fromMillis(at) });
}

/** Runs the job's current task: it parks, its request is answered, it is resumed; until the job ends. */
async function runParkedChain(jobId: string, onParked?: (taskDocId: string) => Promise<void>): Promise<Doc | undefined> {
  for (let hop = 0; hop < 10; hop++) {
    const job = await readDoc(db, `jobs/${jobId}`);
    const taskDocId = job?.current_task_doc_id;
    if (job?.status !== "running" || typeof taskDocId !== "string") return job;
    const parked = await handleTaskCreated(runtime.deps, taskDocId);
    if (parked.kind !== "waiting") throw new Error(`tasks/${taskDocId} did not park: ${JSON.stringify(parked)}`);
    await onParked?.(taskDocId);
    await answer(parked.key);
    await handleTaskCreated(runtime.deps, taskDocId);
  }
  return readDoc(db, `jobs/${jobId}`);
}

async function collect(records: AsyncIterable<ExportRecord>): Promise<ExportRecord[]> {
  const all: ExportRecord[] = [];
  for await (const r of records) all.push(r);
  return all;
}

describe("promise 19: provider batch mode shows a task's wait and both costs", () => {
  it("promise 19: a parked task is `waiting` in the export; the ended job holds its cost at the batch price and its synchronous cost", async () => {
    const marker = uniqueId("costs");
    const job = {
      execution: "provider_batch",
      task_config: oneStepTask("first", `first ${marker}`, {}, "second", "a"),
      task_configs: [oneStepTask("second", `second ${marker} %a%`, { a: "" }, "", "b")],
    };
    const jobId = (await onSubmitJob(verifiedCaller(uniqueId("owner")), { job })).job_id;
    await onJobCreated(jobId, now());
    const whileWaiting: (string | number | null)[][] = [];
    const ended = await runParkedChain(jobId, async (taskDocId) => {
      const table = jobTaskTable(db, jobId, (await readDoc(db, `jobs/${jobId}`))!);
      const mine = (await collect(table.records)).find((r) => r.task_doc_id === taskDocId);
      whileWaiting.push([mine?.status ?? null, mine?.cost_usd ?? null]);
    });
    const tasks = await collect(jobTaskTable(db, jobId, ended!).records);
    const output = await readDoc(db, `outputs/${String(ended?.current_task_doc_id)}`);
    const step = (output?.steps as Doc[])[0]!;
    const cost = ended?.cost as { usd: number; standard_usd?: number } | undefined;
    const held = ended?.status === "success" && cost?.usd === 2 * BATCH_USD && cost.standard_usd === 2 * STANDARD_USD;
    record(
      "a two-task job in provider batch mode, each task parked, answered by a vendor batch and resumed",
      held ? "survived" : "lost",
      `while parked the export said ${JSON.stringify(whileWaiting)}; job ${String(ended?.status)}, cost ${JSON.stringify(cost)}`,
    );
    expect(whileWaiting).toEqual([
      ["waiting", null],
      ["waiting", null],
    ]);
    expect(step).toMatchObject({ billing: "batch", cost: { usd: BATCH_USD, unpriced_tokens: 0, standard_usd: STANDARD_USD } });
    expect(ended).toMatchObject({ status: "success", cost: { usd: 2 * BATCH_USD, unpriced_tokens: 0, standard_usd: 2 * STANDARD_USD } });
    expect(tasks.map((t) => [t.task_id, t.status, t.cost_usd, t.standard_cost_usd])).toEqual([
      ["first", "success", BATCH_USD, STANDARD_USD],
      ["second", "success", BATCH_USD, STANDARD_USD],
    ]);
  });

  it("promise 19: a batch in provider batch mode sums both costs over its runs, in its summary and its export", async () => {
    const marker = uniqueId("batch-costs");
    const queue = fakeQueue();
    const created = await submitUserBatch({ db, validation: DEFAULT_VALIDATION, enqueue: queue.enqueue }, uniqueId("owner"), {
      batch: {
        batch_id: uniqueId("batch-mode"),
        execution: "provider_batch",
        job: { task_config: oneStepTask("only", `only ${marker} %n%`, { n: "" }) },
        grid: { n: ["1", "2"] },
      },
    });
    if (created.kind !== "created") throw new Error(JSON.stringify(created));
    for (const dispatch of queue.tasks.values()) await onBatchRowDispatched(encodeDispatch(dispatch), queue.enqueue);
    const jobs = await db.collection("jobs").where("batch_id", "==", created.batchId).get();
    for (const job of jobs.docs) {
      await onJobCreated(job.id, now());
      await runParkedChain(job.id);
    }
    const progress = await readBatchProgress(db, created.batchId);
    const exported = await collect(batchTable(db, (await readBatchDocument(db, created.batchId))!).records);
    const summary = progress ? formatBatchSummary(progress).split("\n")[0]! : "";
    const held = progress?.cost.standard_usd === 2 * STANDARD_USD && summary.includes("(synchronously $0.0056)");
    record(
      "a batch of 2 runs in provider batch mode, each answered by a vendor batch",
      held ? "survived" : "lost",
      `${summary}; export: ${JSON.stringify(exported.map((r) => [r.cost_usd, r.standard_cost_usd]))}`,
    );
    expect(progress).toMatchObject({ status: "success", cost: { usd: 2 * BATCH_USD, unpriced_tokens: 0, standard_usd: 2 * STANDARD_USD } });
    expect(summary).toMatch(/, \$0\.0028 \(synchronously \$0\.0056\)$/);
    expect(exported.map((r) => [r.status, r.cost_usd, r.standard_cost_usd])).toEqual([
      ["success", BATCH_USD, STANDARD_USD],
      ["success", BATCH_USD, STANDARD_USD],
    ]);
  });
});
