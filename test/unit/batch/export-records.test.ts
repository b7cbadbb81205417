// The export's rows: one per run with every input and output variable; CSV and JSONL lines; the progress report.
import { Timestamp } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import { deriveProgress, settledStatus, type JobCounts } from "../../../shared/batch/batch-progress";
import { BatchDocumentSchema } from "../../../shared/batch/batch-schema";
import { parseCsv } from "../../../shared/batch/csv";
import { headerLine, recordLine } from "../../../shared/batch/export-format";
import { batchColumns, jobTaskColumns, runRecord, taskRecord, USAGE_DETAIL_COLUMNS } from "../../../shared/batch/export-records";
import { USAGE_DETAIL_KEYS } from "../../../shared/models/token-usage";
import { admissionQueueOptions, rowsPerSecondFor } from "../../../shared/batch/queue-config";
import { formatBatchSummary, formatDuration, formatProgressLine, rowsPerMinute } from "../../../tools/batch-report";
import { HOSTILE } from "../../support/hostile-values";

const batch = { variables: ["topic", "lang"], output_variables: ["topic", "answer"] };
const job = {
  row_id: "b~000003",
  repeat: 1,
  model: "GEMINI_PRO",
  status: "success",
  runs: 2,
  inputs: { topic: "owls, mostly", lang: "fr" },
  output_payload: { topic: "owls, mostly", answer: 'a "hoot"\nindeed' },
  usage: { prompt_tokens: 10, output_tokens: 5, total_tokens: 15, thinking_tokens: 2, cached_tokens: 4 },
  cost: { usd: 0.0000125, unpriced_tokens: 0 },
  cached_steps: 1,
  started_at: Timestamp.fromMillis(1000),
  finished_at: Timestamp.fromMillis(1450),
};

describe("export records", () => {
  it("a run's record has the row id, repeat, model, prefixed inputs and outputs, status, tokens, cost, cached steps, latency and attempts", () => {
    expect(batchColumns(batch)).toEqual([
      "row_id",
      "repeat",
      "model",
      "input.topic",
      "input.lang",
      "output.topic",
      "output.answer",
      "status",
      "error_code",
      "error_message",
      "prompt_tokens",
      "output_tokens",
      "total_tokens",
      "thinking_tokens",
      "cached_tokens",
      "cache_write_tokens",
      "tool_use_prompt_tokens",
      "cost_usd",
      "standard_cost_usd",
      "unpriced_tokens",
      "cached_steps",
      "latency_ms",
      "attempts",
      "job_id",
    ]);
    expect(runRecord(batch, "b~000003~001~GEMINI_PRO", job)).toEqual({
      row_id: "b~000003",
      repeat: 1,
      model: "GEMINI_PRO",
      "input.topic": "owls, mostly",
      "input.lang": "fr",
      "output.topic": "owls, mostly",
      "output.answer": 'a "hoot"\nindeed',
      status: "success",
      error_code: null,
      error_message: null,
      prompt_tokens: 10,
      output_tokens: 5,
      total_tokens: 15,
      thinking_tokens: 2,
      cached_tokens: 4,
      cache_write_tokens: null,
      tool_use_prompt_tokens: null,
      cost_usd: 0.0000125,
      standard_cost_usd: null,
      unpriced_tokens: 0,
      cached_steps: 1,
      latency_ms: 450,
      attempts: 2,
      job_id: "b~000003~001~GEMINI_PRO",
    });
    const failed = runRecord(batch, "j", { ...job, status: "failed", error: { code: "model_error", message: "503, after 6 attempts" } });
    expect(failed).toMatchObject({
      "output.answer": null,
      status: "failed",
      error_code: "model_error",
      error_message: "503, after 6 attempts",
    });
  });

  it("a task's record has the same result columns, from the task document; a figure the document lacks is empty, a zero is 0", () => {
    const columns = jobTaskColumns(["topic"], ["answer"]);
    expect(columns.slice(columns.indexOf("total_tokens"), columns.indexOf("latency_ms") + 1)).toEqual([
      "total_tokens",
      "thinking_tokens",
      "cached_tokens",
      "cache_write_tokens",
      "tool_use_prompt_tokens",
      "cost_usd",
      "standard_cost_usd",
      "unpriced_tokens",
      "cached_steps",
      "latency_ms",
    ]);
    const task = {
      job_id: "j",
      run_id: "run1",
      hop: 1,
      task_id: "t",
      status: "success",
      attempts: 1,
      input_config: { payload: { topic: "owls" } },
      usage: { prompt_tokens: 8, output_tokens: 0, total_tokens: 8, cache_write_tokens: 8 },
      cost: { usd: 0, unpriced_tokens: 8 },
      latency_ms: 30,
    };
    expect(taskRecord(["topic"], ["answer"], "j~run1~1~t", task, { output_payload: { answer: "hoot" } })).toMatchObject({
      "input.topic": "owls",
      "output.answer": "hoot",
      thinking_tokens: null,
      cached_tokens: null,
      cache_write_tokens: 8,
      tool_use_prompt_tokens: null,
      cost_usd: 0,
      unpriced_tokens: 8,
      cached_steps: null,
    });
    // Never ran (no usage, no cost): every figure empty.
    const unrun = taskRecord([], [], "x", { status: "failed", attempts: 0 });
    expect([unrun.total_tokens, unrun.thinking_tokens, unrun.cost_usd, unrun.cached_steps]).toEqual([null, null, null, null]);
  });

  it("issue 19: standard_cost_usd follows cost_usd, set only for calls paid through a vendor's batch API; a waiting task's status is kept as it is", () => {
    const columns = jobTaskColumns([], []);
    expect(columns.indexOf("standard_cost_usd")).toBe(columns.indexOf("cost_usd") + 1);
    const batchBilled = { status: "success", attempts: 1, cost: { usd: 0.5, unpriced_tokens: 0, standard_usd: 1 } };
    expect(taskRecord([], [], "t", batchBilled)).toMatchObject({ cost_usd: 0.5, standard_cost_usd: 1 });
    expect(runRecord(batch, "j", { ...job, cost: batchBilled.cost })).toMatchObject({ cost_usd: 0.5, standard_cost_usd: 1 });
    const waiting = { status: "waiting", attempts: 1, waiting_for: "k", waiting_since: Timestamp.fromMillis(5) };
    expect(taskRecord([], [], "t", waiting)).toMatchObject({ status: "waiting", cost_usd: null, standard_cost_usd: null });
  });

  it("has a column for every usage class the engine records", () => {
    expect([...USAGE_DETAIL_COLUMNS].sort()).toEqual([...USAGE_DETAIL_KEYS].sort());
  });

  it("raw CSV lines parse back to the same values, hostile ones included; JSONL keeps numbers and nulls", () => {
    const columns = ["a", "b", "n"];
    const records = HOSTILE.map((v, i) => ({ a: v, b: HOSTILE[HOSTILE.length - 1 - i]!, n: i }));
    const raw = { raw: true };
    const text = headerLine("csv", columns, raw) + records.map((r) => recordLine("csv", columns, r, raw)).join("");
    expect(parseCsv(text).map((r) => r.fields)).toEqual([columns, ...records.map((r) => [r.a, r.b, String(r.n)])]);
    expect(headerLine("jsonl", columns)).toBe("");
    expect(JSON.parse(recordLine("jsonl", columns, { a: HOSTILE[6]!, b: null, n: 3 }))).toEqual({ a: HOSTILE[6], b: null, n: 3 });
  });
});

describe("batch progress", () => {
  const doc = BatchDocumentSchema.parse({
    batch_id: "b",
    status: "running",
    job: { task_config: { task_id: "t" } },
    base_rows: 1,
    rows_total: 10,
    repeats: 1,
    models: [],
    runs_total: 10,
    variables: [],
    output_variables: [],
    definition_hash: "h",
    enqueued_at: Timestamp.fromMillis(0),
    created_at: Timestamp.fromMillis(0),
  });
  const usage = (t: number) => ({ prompt_tokens: t, output_tokens: 0, total_tokens: t });
  const jobs = (c: Partial<Record<"pending" | "queued" | "running" | "success" | "failed" | "cancelled", number>>): JobCounts => {
    const counts = Object.fromEntries(
      ["pending", "queued", "running", "success", "failed", "cancelled"].map((s) => [s, c[s as keyof typeof c] ?? 0]),
    );
    const tokens = usage(Object.values(c).reduce((a, b) => a + (b ?? 0), 0));
    return { ...(counts as Record<keyof typeof c, number>), usage: tokens, cost: { usd: 0.0000125, unpriced_tokens: 0 }, cachedSteps: 0 };
  };

  it("runs without a job are queued; a job queued is admitted; a retried run (pending) is queued again", () => {
    const p = deriveProgress(doc, jobs({ pending: 1, queued: 2, running: 1, success: 3, failed: 1 }));
    expect(p.counts).toEqual({ queued: 3, admitted: 2, running: 1, success: 3, failed: 1, cancelled: 0 });
    expect(p.done).toBe(4);
    expect(p.usage.total_tokens).toBe(8);
    expect(settledStatus(p)).toBeUndefined();
  });

  it("a cancelled batch counts its runs never admitted as cancelled; a finished batch settles success or failed", () => {
    expect(deriveProgress({ ...doc, status: "cancelled" }, jobs({ success: 4, cancelled: 1 })).counts).toMatchObject({
      queued: 0,
      cancelled: 6,
    });
    expect(settledStatus(deriveProgress(doc, jobs({ success: 10 })))).toBe("success");
    expect(settledStatus(deriveProgress(doc, jobs({ success: 9, failed: 1 })))).toBe("failed");
    // Not before every run was handed to the queue: a submit still enqueuing (or a retry) has runs to come.
    const enqueuing = { ...doc };
    delete enqueuing.enqueued_at;
    expect(settledStatus(deriveProgress(enqueuing, jobs({ success: 10 })))).toBeUndefined();
  });

  it("prints a progress bar with rate and ETA, and a summary that says how to retry and export", () => {
    const p = deriveProgress(doc, jobs({ queued: 2, running: 1, success: 6, failed: 1 }));
    expect(
      rowsPerMinute([
        { at: 0, done: 0 },
        { at: 30_000, done: 7 },
      ]),
    ).toBe(14);
    expect(formatProgressLine(p, 14)).toBe(
      "[#################-------] 7/10 70% | failed 1 | running 1, waiting 2 | 14 rows/min | ETA 13s | 10 tokens, $0.0000125",
    );
    expect(formatDuration(3_723_000)).toBe("1h02m");
    const ended = { ...p, status: "failed" as const, finishedAt: 90_000, startedAt: 0 };
    expect(formatBatchSummary(ended, { model_error: 1 })).toBe(
      [
        "Batch b FAILED in 1m30s: 6/10 runs succeeded, 1 failed, 0 cancelled, 5 rows/min; 10 tokens (10 prompt, 0 output), $0.0000125",
        "  failed runs by error: model_error 1",
        "  run them again: npm run batch -- retry b",
        "  results: npm run export -- b --format csv --out b.csv",
      ].join("\n"),
    );
  });

  it("says the cost beside the tokens, its unpriced tokens, and the cached steps when there are some", () => {
    const cached = deriveProgress(doc, {
      ...jobs({ running: 1, success: 2 }),
      cost: { usd: 1.5, unpriced_tokens: 40 },
      cachedSteps: 3,
    });
    expect(cached.cost).toEqual({ usd: 1.5, unpriced_tokens: 40 });
    expect(formatProgressLine(cached, undefined)).toMatch(/ \| 3 tokens, \$1\.50 \(\+40 tokens without a price\), 3 cached steps$/);
    const ended = { ...cached, status: "success" as const, finishedAt: 60_000, startedAt: 0 };
    expect(formatBatchSummary(ended).split("\n")[0]).toMatch(
      /; 3 tokens \(3 prompt, 0 output\), \$1\.50 \(\+40 tokens without a price\), 3 cached steps \(answered from the response store, not paid\)$/,
    );
    expect(formatBatchSummary({ ...ended, cachedSteps: 0 }).split("\n")[0]).toMatch(/\$1\.50 \(\+40 tokens without a price\)$/);
  });

  it("issue 19: a batch whose calls went through a vendor's batch API says what they would have cost synchronously", () => {
    const halved = deriveProgress(doc, {
      ...jobs({ running: 1, success: 2 }),
      cost: { usd: 0.62, unpriced_tokens: 0, standard_usd: 1.24 },
    });
    expect(formatProgressLine(halved, undefined)).toMatch(/ \| 3 tokens, \$0\.62 \(synchronously \$1\.24\)$/);
    const ended = { ...halved, status: "success" as const, finishedAt: 60_000, startedAt: 0 };
    expect(formatBatchSummary(ended).split("\n")[0]).toMatch(/, \$0\.62 \(synchronously \$1\.24\)$/);
    // A synchronous batch has no second figure.
    expect(formatBatchSummary({ ...ended, cost: { usd: 1.24, unpriced_tokens: 0 } }).split("\n")[0]).toMatch(/, \$1\.24$/);
  });
});

describe("admission queue settings", () => {
  it("rows per second is the quota's requests per minute / 60 / model calls per row", () => {
    expect(rowsPerSecondFor(120, 1)).toBe(2);
    expect(rowsPerSecondFor(1000, 3)).toBeCloseTo(5.56, 2);
  });

  it("reads BATCH_* with defaults, and refuses a value out of range naming the variable", () => {
    expect(admissionQueueOptions({})).toEqual({
      rateLimits: { maxDispatchesPerSecond: 5, maxConcurrentDispatches: 20 },
      retryConfig: { maxAttempts: 10, minBackoffSeconds: 1, maxBackoffSeconds: 300, maxDoublings: 5 },
    });
    expect(admissionQueueOptions({ BATCH_MAX_DISPATCHES_PER_SECOND: "0.5" }).rateLimits.maxDispatchesPerSecond).toBe(0.5);
    expect(() => admissionQueueOptions({ BATCH_MAX_CONCURRENT_DISPATCHES: "2.5" })).toThrow(
      "BATCH_MAX_CONCURRENT_DISPATCHES=2.5: expected a whole number from 1 to 5000",
    );
    expect(() => admissionQueueOptions({ BATCH_MAX_DISPATCHES_PER_SECOND: "600" })).toThrow(/from 0.001 to 500/);
  });
});
