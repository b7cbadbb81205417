// The export against the Firestore emulator: hostile values round-trip through CSV and JSONL exactly, one job's tasks
// export the same way, and a 1,000-row export streams in the memory a 200-row one takes.
import { PassThrough } from "node:stream";
import { Timestamp, type Firestore } from "firebase-admin/firestore";
import { beforeAll, describe, expect, it } from "vitest";
import { runMeasured } from "../../bench/run-measured";
import { readBatchDocument } from "../../shared/batch/batch-progress";
import type { BatchDocument } from "../../shared/batch/batch-schema";
import { parseCsv } from "../../shared/batch/csv";
import { batchTable, jobTaskTable, writeTable } from "../../local/batch/export-batch";
import type { ExportFormat } from "../../shared/batch/export-format";
import type { ExportRecord } from "../../shared/batch/export-records";
import { planBatch } from "../../shared/batch/plan-batch";
import { buildRunJob } from "../../shared/batch/run-job";
import { batchDocument } from "../../shared/batch/enqueue-batch";
import { DEFAULT_VALIDATION } from "../../shared/validation/validate-config";
import { getDb } from "../../shared/pipeline/firestore";
import { batchTemplate } from "../support/batch-configs";
import { requireEmulator, uniqueId } from "../support/firestore-test-env";
import { HOSTILE } from "../support/hostile-values";

let db: Firestore;

beforeAll(async () => {
  requireEmulator();
  db = await getDb();
});

/** A batch whose rows are `rows` (variable `text`), every run ended `success` with `answer` as the chain's output. */
async function endedBatch(rows: { text: string }[], answer: (row: { text: string }, i: number) => string): Promise<BatchDocument> {
  const batchId = uniqueId("export");
  const planned = planBatch({ raw: { batch_id: batchId, job: batchTemplate("%text%", ["text"]), rows } }, DEFAULT_VALIDATION);
  if (!planned.ok) throw new Error(JSON.stringify(planned.issues));
  await db.doc(`batches/${batchId}`).create(batchDocument(planned.plan));
  const batch = (await readBatchDocument(db, batchId))!;
  const writer = db.bulkWriter();
  rows.forEach((row, i) => {
    const { jobId, doc } = buildRunJob(batch, { kind: "admit", batch_id: batchId, row_index: i, repeat: 0, inputs: row });
    const usage = { prompt_tokens: i, output_tokens: 1, total_tokens: i + 1 };
    void writer.create(db.doc(`jobs/${jobId}`), {
      ...doc,
      status: "success",
      runs: 1,
      run_id: "run1",
      output_payload: { answer: answer(row, i) },
      usage,
      started_at: Timestamp.fromMillis(1000),
      finished_at: Timestamp.fromMillis(1000 + i),
    });
  });
  await writer.close();
  return batch;
}

async function exported(batch: BatchDocument, format: ExportFormat): Promise<string> {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on("data", (c: Buffer) => chunks.push(c.toString("utf8")));
  // Exact values (`--raw`): the default puts a ' before a cell a spreadsheet would read as a formula.
  await writeTable(out, format, batchTable(db, batch), { raw: true });
  return chunks.join("");
}

describe("exporting a batch", () => {
  it("round-trips commas, quotes, CR/LF, emoji and right-to-left text exactly through a CSV reader (--raw), and through JSONL", async () => {
    const batch = await endedBatch(
      HOSTILE.map((text) => ({ text })),
      (row) => `echo: ${row.text}`,
    );
    const [header, ...records] = parseCsv(await exported(batch, "csv")).map((r) => r.fields);
    expect(header).toEqual([
      "row_id",
      "repeat",
      "model",
      "input.text",
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
    expect(records).toHaveLength(HOSTILE.length);
    records.forEach((r, i) => {
      expect(r.slice(0, 6)).toEqual([
        `${batch.batch_id}~${String(i).padStart(6, "0")}`,
        "0",
        "",
        HOSTILE[i],
        `echo: ${HOSTILE[i]}`,
        "success",
      ]);
      // Tokens, then the usage classes, costs and cached steps these jobs do not have (empty), latency and attempts.
      expect(r.slice(8, 21)).toEqual([String(i), "1", String(i + 1), "", "", "", "", "", "", "", "", String(i), "1"]);
    });
    const lines = (await exported(batch, "jsonl"))
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as ExportRecord);
    expect(lines.map((l) => [l["input.text"], l["output.answer"], l.repeat, l.model])).toEqual(
      HOSTILE.map((t) => [t, `echo: ${t}`, 0, null]),
    );
  });

  it("exports one job's tasks, one line per task of its current run, with each task's inputs and outputs", async () => {
    const jobId = uniqueId("job");
    const task = (id: string, input: Record<string, string>, output: Record<string, string>) => ({
      task_id: id,
      input_config: { payload: input },
      output_config: { payload: Object.fromEntries(Object.keys(output).map((k) => [k, ""])) },
    });
    const chain = [task("ask", { q: "" }, { a: "" }), task("rate", { a: "" }, { score: "" })];
    await db.doc(`jobs/${jobId}`).create({ job_id: jobId, status: "success", run_id: "run2", chain });
    const tasks = [
      { id: `${jobId}~run1~1~ask`, run: "run1", hop: 1, task: "ask", input: { q: "old" }, output: { a: "old" } },
      { id: `${jobId}~run2~1~ask`, run: "run2", hop: 1, task: "ask", input: { q: 'a "hard", question' }, output: { a: "line\nbreak" } },
      { id: `${jobId}~run2~2~rate`, run: "run2", hop: 2, task: "rate", input: { a: "line\nbreak" }, output: { score: "9" } },
    ];
    for (const [i, t] of tasks.entries()) {
      await db.doc(`tasks/${t.id}`).create({
        job_id: jobId,
        run_id: t.run,
        hop: t.hop,
        task_id: t.task,
        input_config: { payload: t.input },
        status: "success",
        attempts: 1,
        latency_ms: 5,
        usage: { prompt_tokens: 1, output_tokens: 2, total_tokens: 3 },
        created_at: Timestamp.fromMillis(1000 + i),
      });
      await db.doc(`outputs/${t.id}`).create({ output_payload: t.output });
    }
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on("data", (c: Buffer) => chunks.push(c.toString("utf8")));
    await writeTable(out, "csv", jobTaskTable(db, jobId, (await db.doc(`jobs/${jobId}`).get()).data()!));
    const rows = parseCsv(chunks.join("")).map((r) => r.fields);
    expect(rows[0]).toEqual([
      "job_id",
      "run_id",
      "hop",
      "task_id",
      "task_doc_id",
      "input.q",
      "input.a",
      "output.a",
      "output.score",
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
    ]);
    expect(rows.slice(1).map((r) => r.slice(1, 9))).toEqual([
      ["run2", "1", "ask", tasks[1]!.id, 'a "hard", question', "", "line\nbreak", ""],
      ["run2", "2", "rate", tasks[2]!.id, "", "line\nbreak", "", "9"],
    ]);
  });

  it("a 1,000-row export streams: it runs in a heap too small to hold the rows, where reading them all at once fails", async () => {
    const text = "x".repeat(40_000);
    const small = await endedBatch(
      Array.from({ length: 200 }, (_, i) => ({ text: String(i) })),
      () => text,
    );
    const large = await endedBatch(
      Array.from({ length: 1000 }, (_, i) => ({ text: String(i) })),
      () => text,
    );
    // 48 MB of heap for firebase-admin, the tool and its data: the 1,000 rows' answers alone are 40 MB.
    const heap = { NODE_OPTIONS: "--max-old-space-size=48" };
    const control = await runMeasured("test/support/read-all-jobs.ts", [large.batch_id], heap, 120_000);
    expect(control.code, "holding every job at once should not fit in this heap").not.toBe(0);
    const exportOf = async (batchId: string) => {
      const r = await runMeasured("tools/export.ts", [batchId, "--out", "/dev/null"], heap, 120_000);
      expect(r.code, r.stderr).toBe(0);
      return r;
    };
    const [a, b] = [await exportOf(small.batch_id), await exportOf(large.batch_id)];
    expect(b.stderr).toContain("Exported 1000 runs to /dev/null.");
    const extra = (b.peakRssBytes - a.peakRssBytes) / 2 ** 20;
    expect(
      extra,
      `peak ${Math.round(a.peakRssBytes / 2 ** 20)} MB for 200 rows, ${Math.round(b.peakRssBytes / 2 ** 20)} MB for 1,000`,
    ).toBeLessThan(16);
  });
});
