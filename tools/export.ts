// export: a batch's results as rows (one per run), or one job's tasks, as CSV or JSONL, streamed page by page.
import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";
import { readBatchDocument } from "../shared/batch/batch-progress";
import { batchTable, jobTaskTable, writeTable, type ExportTable } from "../local/batch/export-batch";
import { EXPORT_FORMATS, type ExportFormat } from "../shared/batch/export-format";
import { COLLECTIONS } from "../shared/collections";
import { getDb } from "../shared/pipeline/firestore";
import { defineTool, UsageError } from "./cli-args";
import { projectFlag, useFirestoreTarget } from "./firestore-target";
import { EXIT_FAILED, EXIT_OK, runTool } from "./tool-io";

const spec = defineTool({
  name: "export",
  summary:
    "Writes a batch's results, one line per run: row_id, repeat, model, input.<variable> for every input, output.<variable>\n" +
    "for every output of the chain's final task, status, error_code, error_message, prompt/output/total tokens,\n" +
    "latency_ms, attempts (runs of the row) and job_id. CSV follows RFC 4180 (a header row; a value with a comma,\n" +
    "quote or line break is quoted); JSONL is one object per line. Streams: memory stays flat however many rows.\n" +
    "CSV is safe to open in a spreadsheet: a value starting with =, +, -, @, a tab or a carriage return (a formula to\n" +
    "Excel, LibreOffice or Google Sheets) gets a ' before it, a plain number such as -1.5 excepted; --raw writes every\n" +
    "value exactly (for pandas or R). JSONL is always exact.\n" +
    "With --job, one job's tasks (its current run) the same way: one line per task.",
  positionals: [{ name: "batchId", description: "the batches/ document id (leave out with --job)" }],
  flags: {
    format: { type: "string", value: "csv|jsonl", description: "the output format (default csv)" },
    out: { type: "string", value: "FILE", description: "write to FILE instead of stdout" },
    job: { type: "string", value: "JOB_ID", description: "export this job's tasks instead of a batch's runs" },
    bom: { type: "boolean", description: "CSV: start with a UTF-8 byte-order mark, for Excel (pandas and R do not need one)" },
    raw: {
      type: "boolean",
      description: "CSV: every value exactly as stored, with no ' before one a spreadsheet would run as a formula (for pandas, R)",
    },
    project: projectFlag,
  },
  examples: [
    "npm run export -- moral_machine --format csv --out moral_machine.csv",
    "npm run export -- moral_machine --raw --out moral_machine.csv",
    "npm run export -- --job moral_machine~000000~000 --format jsonl",
  ],
});

// `npm run export -- ID | head`: the reader went away; that is the reader's choice, not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(EXIT_OK);
});

await runTool(spec, async ({ format, out, job, bom, raw, project }, [batchId]) => {
  const chosen = (format ?? "csv") as ExportFormat;
  if (!EXPORT_FORMATS.includes(chosen)) throw new UsageError(`-format=${format}: use ${EXPORT_FORMATS.join(" or ")}`);
  if (!batchId === !job)
    throw new UsageError(job ? "give a batch id or --job, not both" : "missing batchId: the batches/ document id (or --job JOB_ID)");
  process.stderr.write(`Using ${await useFirestoreTarget(project)}.\n`);
  const db = await getDb();
  let table: ExportTable;
  if (job) {
    const snap = await db.collection(COLLECTIONS.jobs).doc(job).get();
    if (!snap.exists) return fail(`no document jobs/${job}`);
    table = jobTaskTable(db, job, snap.data()!);
  } else {
    const batch = await readBatchDocument(db, batchId!);
    if (!batch) return fail(`no document batches/${batchId}`);
    table = batchTable(db, batch);
  }
  const stream: Writable = out ? createWriteStream(out) : process.stdout;
  const lines = await writeTable(stream, chosen, table, { bom, raw });
  if (out) await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
  process.stderr.write(`Exported ${lines} ${job ? "task" : "run"}${lines === 1 ? "" : "s"}${out ? ` to ${out}` : ""}.\n`);
  return EXIT_OK;
});

function fail(message: string): number {
  process.stderr.write(`export: ${message}\n`);
  return EXIT_FAILED;
}
