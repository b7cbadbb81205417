// Issue 18, "the rest" (promise 18), against the Firestore emulator: the scheduled sweep and batch settlement start
// deployed without any model key; a batch's template and row problems are listed at once (submitBatch's body and the
// CLI's planning); the CLI's CSV export is safe to open in a spreadsheet, exact with --raw, and JSONL exact. (The page's
// App Check is promised in the e2e suite.) Each scenario adds a row to reliability.json in RELIABILITY_RESULTS_DIR (when
// set), recorded before its assertions.
import type { Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import type { ScheduledEvent } from "firebase-functions/v2/scheduler";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { settleBatches, sweepTasks } from "../../functions/src/index";
import { onSubmitBatch } from "../../functions/src/submit-batch-body";
import { parseCsv } from "../../shared/batch/csv";
import { DEFAULT_VALIDATION } from "../../shared/validation/validate-config";
import { claimTask } from "../../shared/pipeline/claim-task";
import { getDb } from "../../shared/pipeline/firestore";
import { DEFAULT_POLICY } from "../../shared/pipeline/pipeline-deps";
import { startJobRun } from "../../shared/pipeline/start-job-run";
import { batchTemplate } from "../support/batch-configs";
import { writeEndedBatch } from "../support/ended-batch";
import { readDoc, requireEmulator, uniqueId } from "../support/firestore-test-env";
import { writeResultRows } from "../support/reliability-rows";
import { oneStepTask } from "../support/sample-configs";
import { runTool, tempDir, writeConfig } from "../unit/tools/run-tool";
import { verifiedCaller } from "../support/callers";

type Doc = Record<string, unknown>;
type Outcome = "survived" | "failed clearly" | "lost";
const rows: { promise: string; fault: string; times: number; outcome: Outcome; detail: string }[] = [];
const record = (fault: string, times: number, outcome: Outcome, detail: string) =>
  rows.push({ promise: P18, fault, times, outcome, detail });

const P18 = "18 the rest";
const errorOf = (doc: Doc | undefined) => doc?.error as { code?: string; message?: string } | undefined;
/** Runs a scheduled function's own handler, as Cloud Scheduler's tick would. */
const runScheduled = async (fn: { run: (event: ScheduledEvent) => void | Promise<void> }): Promise<void> =>
  fn.run({ scheduleTime: new Date().toISOString(), jobName: "test" });

let db: Firestore;

beforeAll(async () => {
  requireEmulator();
  db = await getDb();
  vi.spyOn(logger, "info").mockImplementation(() => undefined);
  vi.spyOn(logger, "warn").mockImplementation(() => undefined);
});
afterEach(() => vi.unstubAllEnvs());
afterAll(() => {
  const dir = process.env.RELIABILITY_RESULTS_DIR;
  if (dir) writeResultRows(dir, "sweep-and-exports.test.ts", rows);
});

/** As on Cloud Run: a service name, not the emulator, and no model key or stand-in address of any provider. */
function stubDeployedWithoutKeys(): void {
  vi.stubEnv("K_SERVICE", "sweeptasks");
  vi.stubEnv("FUNCTIONS_EMULATOR", undefined);
  for (const provider of ["GEMINI", "ANTHROPIC", "OPENAI", "VERTEX"]) {
    vi.stubEnv(`${provider}_API_KEY`, undefined);
    vi.stubEnv(`${provider}_BASE_URL`, undefined);
  }
  vi.stubEnv("LLM_MODEL_TABLE", undefined);
  vi.stubEnv("TASK_QUEUED_GRACE_MS", "1000");
}

/** A two-task job started (its entry task committed `queued`); the entry task's id. */
async function startedJob(jobId: string): Promise<string> {
  await db.doc(`jobs/${jobId}`).set({
    job_id: jobId,
    status: "queued",
    task_config: oneStepTask("first", `${jobId} hello`, {}, "second"),
    task_configs: [oneStepTask("second", `${jobId} then %answer%`, { answer: "" }, "", "reply")],
  });
  const started = await startJobRun({ db, validation: DEFAULT_VALIDATION }, jobId, { fromStatuses: ["queued"] });
  if (started.kind !== "started") throw new Error(`job ${jobId} did not start: ${JSON.stringify(started)}`);
  return started.entryTaskDocId;
}

describe("promise 18: the sweep and batch settlement start without a model key", () => {
  it("promise 18: deployed without GEMINI_API_KEY, the scheduled sweep reconciles a job left running and ends the tasks it cannot run failed with config_error", async () => {
    // A run whose instance died: claimed with a lease that has already expired, never finished.
    const crashedJob = uniqueId("nokey-crashed");
    const crashedTask = await startedJob(crashedJob);
    await claimTask({ db, validation: DEFAULT_VALIDATION, policy: { ...DEFAULT_POLICY, leaseMs: 1 } }, crashedTask);
    // A job left running after its current task was ended by hand, outside the finishing commit.
    const orphanJob = uniqueId("nokey-orphan");
    const orphanTask = await startedJob(orphanJob);
    await db
      .doc(`tasks/${orphanTask}`)
      .update({ status: "failed", error: { code: "internal", message: "ended by hand", retryable: false } });
    await db.doc(`jobs/${orphanJob}`).update({ updated_at: new Date(Date.now() - 5_000) });
    // A task whose created-event never came.
    const dropped = uniqueId("nokey-dropped");
    await db
      .doc(`tasks/${dropped}`)
      .set({ ...oneStepTask("t", `${dropped} hello`), status: "queued", created_at: new Date(Date.now() - 5_000) });

    stubDeployedWithoutKeys();
    const swept = await runScheduled(sweepTasks).then(
      () => "ran",
      (err: Error) => `threw: ${err.message}`,
    );
    const [crashed, crashedJobDoc, orphan, droppedTask] = await Promise.all([
      readDoc(db, `tasks/${crashedTask}`),
      readDoc(db, `jobs/${crashedJob}`),
      readDoc(db, `jobs/${orphanJob}`),
      readDoc(db, `tasks/${dropped}`),
    ]);
    const held =
      swept === "ran" &&
      orphan?.status === "failed" &&
      errorOf(crashed)?.code === "config_error" &&
      crashedJobDoc?.status === "failed" &&
      errorOf(droppedTask)?.code === "config_error";
    record(
      "the scheduled sweep deployed without GEMINI_API_KEY: a job left running, a dead run, a dropped event",
      3,
      held ? "failed clearly" : "lost",
      `sweep ${swept}; orphaned job ${String(orphan?.status)}; dead run ${String(crashed?.status)} ${String(errorOf(crashed)?.code)} (job ${String(crashedJobDoc?.status)}); dropped task ${String(droppedTask?.status)} ${String(errorOf(droppedTask)?.code)}: ${String(errorOf(droppedTask)?.message)}`,
    );
    expect(swept).toBe("ran");
    expect(orphan).toMatchObject({ status: "failed", error: { code: "internal", message: "ended by hand" } });
    for (const task of [crashed, droppedTask]) {
      expect(task).toMatchObject({ status: "failed", error: { code: "config_error", retryable: false } });
      expect(errorOf(task)?.message).toContain("GEMINI_API_KEY is not set, and deployed functions never fall back");
    }
    expect(crashed).toMatchObject({ attempts: 2 });
    expect(crashedJobDoc).toMatchObject({ status: "failed", error: { code: "config_error" } });
  });

  it("promise 18: deployed without any model key, the scheduled settlement ends a batch whose runs have all ended", async () => {
    const batch = await writeEndedBatch(db, uniqueId("settle"), ["a", "b"], { status: (i) => (i === 0 ? "success" : "failed") });
    stubDeployedWithoutKeys();
    const settled = await runScheduled(settleBatches).then(
      () => "ran",
      (err: Error) => `threw: ${err.message}`,
    );
    const doc = await readDoc(db, `batches/${batch.batch_id}`);
    record(
      "the scheduled batch settlement deployed without any model key",
      1,
      settled === "ran" && doc?.status === "failed" ? "survived" : "lost",
      `settlement ${settled}; batch ${String(doc?.status)} with ${JSON.stringify(doc?.final_counts)}`,
    );
    expect(settled).toBe("ran");
    expect(doc).toMatchObject({ status: "failed", final_counts: { success: 1, failed: 1 } });
  });
});

/** A batch whose template has two problems (an unknown next task, an unknown model key) and whose rows have two more. */
function doublyBadBatch(batchId: string): Doc {
  const template = batchTemplate("%topic%", ["topic", "tone"]);
  const step = template.task_config.steps[0]!;
  const task = {
    ...template.task_config,
    next_task: "nowhere",
    steps: [{ ...step, model_query_config: { ...step.model_query_config, model_key: "GEMINI_FLAHS" } }],
  };
  return { batch_id: batchId, job: { task_config: task }, rows: [{ topic: "owls" }, { topc: "cats" }, { topic: "bees", mood: "odd" }] };
}

const TEMPLATE_PROBLEMS = [
  /^job\.task_config\.next_task: next_task "nowhere" names no task/,
  /^job\.task_config\.steps\[0\]\.model_query_config\.model_key: unknown model key "GEMINI_FLAHS"/,
];
const ROW_PROBLEMS = [
  'rows[1].topc: the entry task "t" declares no input "topc"; it declares "topic", "tone"',
  'rows[2].mood: the entry task "t" declares no input "mood"; it declares "topic", "tone"',
];
const listsAll = (lines: string[]) =>
  TEMPLATE_PROBLEMS.every((p) => lines.some((l) => p.test(l))) && ROW_PROBLEMS.every((p) => lines.includes(p));

describe("promise 18: a batch's template and row problems are listed at once", () => {
  it("promise 18: submitBatch refuses a batch with problems in its template and its rows, listing all four", async () => {
    const batchId = uniqueId("both-bad");
    const refusal = await onSubmitBatch(verifiedCaller(uniqueId("user")), { batch: doublyBadBatch(batchId) }).then(
      () => undefined,
      (err: { code?: string; message?: string; details?: { issues?: { path: string; message: string }[] } }) => err,
    );
    const lines = (refusal?.details?.issues ?? []).map((i) => `${i.path}: ${i.message}`);
    const created = await readDoc(db, `batches/${batchId}`);
    record(
      "submitBatch: a batch with problems in its job template and in its rows",
      1,
      refusal?.code === "invalid-argument" && listsAll(lines) && !created ? "failed clearly" : "lost",
      `${String(refusal?.code)} with ${lines.length} problems: ${lines.join(" | ")}`,
    );
    expect(refusal).toMatchObject({ code: "invalid-argument" });
    expect(refusal?.message).toMatch(/^invalid batch \(4 problems\); nothing was created:/);
    expect(listsAll(lines)).toBe(true);
    expect(created).toBeUndefined();
  });

  it("promise 18: the CLI's batch planning (batch submit --dry_run) lists the template's and the rows' problems together", async () => {
    const file = await writeConfig(await tempDir(), "both-bad.jsonc", doublyBadBatch(uniqueId("both-bad-cli")));
    const run = await runTool("batch", ["submit", file, "--dry_run"]);
    const lines = run.stderr.split("\n");
    record(
      "batch submit --dry_run: a batch file with problems in its job template and in its rows",
      1,
      run.code === 1 && listsAll(lines) ? "failed clearly" : "lost",
      `exit ${run.code}: ${lines.filter((l) => /^(job|rows)/.test(l)).join(" | ")}`,
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("is not a valid batch (4 problems); nothing was created");
    expect(listsAll(lines)).toBe(true);
  });
});

describe("promise 18: CSV exports are safe to open in a spreadsheet", () => {
  const VALUES = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+cmd|' /C calc'!A0",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "-1.5",
    "+3",
    "plain",
    "-",
  ];
  const NEUTRALISED = [
    '\'=HYPERLINK("http://evil.example","click")',
    "'+1+cmd|' /C calc'!A0",
    "'@SUM(A1:A9)",
    "'\t=1+1",
    "'\r=1+1",
    "-1.5",
    "+3",
    "plain",
    "'-",
  ];

  it("promise 18: npm run export writes a formula-like cell with a ' before it, a plain number as it is; --raw and JSONL are exact", async () => {
    const batch = await writeEndedBatch(db, uniqueId("export"), VALUES);
    const column = (csv: string, name: string) => {
      const [header, ...records] = parseCsv(csv).map((r) => r.fields);
      const at = header!.indexOf(name);
      return records.map((r) => r[at]);
    };
    const safe = await runTool("export", [batch.batch_id, "--format", "csv"]);
    const raw = await runTool("export", [batch.batch_id, "--format", "csv", "--raw"]);
    const jsonl = await runTool("export", [batch.batch_id, "--format", "jsonl"]);
    const jsonlValues = jsonl.stdout
      .trim()
      .split("\n")
      .map((line) => (JSON.parse(line) as Record<string, string>)["input.text"]);
    const held =
      safe.code === 0 &&
      JSON.stringify(column(safe.stdout, "input.text")) === JSON.stringify(NEUTRALISED) &&
      JSON.stringify(column(safe.stdout, "output.answer")) === JSON.stringify(NEUTRALISED) &&
      raw.code === 0 &&
      JSON.stringify(column(raw.stdout, "input.text")) === JSON.stringify(VALUES) &&
      JSON.stringify(jsonlValues) === JSON.stringify(VALUES);
    record(
      "npm run export of cells starting with =, +, -, @, a tab, a carriage return, and plain numbers",
      VALUES.length,
      held ? "survived" : "lost",
      `CSV: ${JSON.stringify(column(safe.stdout, "input.text"))}; --raw (exit ${raw.code}) and JSONL exact: ${String(held)}`,
    );
    expect(safe.code).toBe(0);
    expect(column(safe.stdout, "input.text")).toEqual(NEUTRALISED);
    expect(column(safe.stdout, "output.answer")).toEqual(NEUTRALISED);
    expect(raw.code).toBe(0);
    expect(column(raw.stdout, "input.text")).toEqual(VALUES);
    expect(column(raw.stdout, "output.answer")).toEqual(VALUES);
    expect(jsonlValues).toEqual(VALUES);
  });
});
