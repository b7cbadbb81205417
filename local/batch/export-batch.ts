// Streams a batch's runs (or one job's tasks) as export lines: page by page, so memory stays flat however many rows.
import { once } from "node:events";
import type { Writable } from "node:stream";
import type { DocumentData, Firestore, QueryDocumentSnapshot } from "firebase-admin/firestore";
import { COLLECTIONS } from "../../shared/collections";
import { batchJobPages } from "../../shared/batch/batch-jobs";
import type { BatchDocument } from "../../shared/batch/batch-schema";
import { headerLine, recordLine, type ExportFormat, type ExportOptions } from "../../shared/batch/export-format";
import { batchColumns, jobTaskColumns, runRecord, taskRecord, type ExportRecord } from "../../shared/batch/export-records";

/**
 * Documents read per page. A job or task document may be up to 1 MiB, and a page is held in several forms at once (the
 * wire bytes, the decoded values, the lines), so pages are small: memory stays bounded by the page, not by its rows.
 */
export const EXPORT_PAGE_SIZE = 50;

export interface ExportTable {
  columns: string[];
  records: AsyncIterable<ExportRecord>;
}

/** One record per run of the batch, in row order (then repeat, then model). */
export function batchTable(db: Firestore, batch: BatchDocument): ExportTable {
  async function* records(): AsyncGenerator<ExportRecord> {
    for await (const page of batchJobPages(db, batch.batch_id, undefined, EXPORT_PAGE_SIZE)) {
      // A final output too large for its job document is read from its outputs/ document, a page at a time.
      const refs = page.filter((d) => d.get("status") === "success" && !d.get("output_payload") && d.get("output_payload_ref"));
      const outputs = refs.length ? await db.getAll(...refs.map((d) => db.doc(String(d.get("output_payload_ref"))))) : [];
      const byJob = new Map(refs.map((d, i) => [d.id, outputs[i]?.get("output_payload") as Record<string, string> | undefined]));
      for (const doc of page) yield runRecord(batch, doc.id, doc.data()!, byJob.get(doc.id));
    }
  }
  return { columns: batchColumns(batch), records: records() };
}

/** One record per task of the job's current run, in chain order; columns from the chain's declared inputs and outputs. */
export function jobTaskTable(db: Firestore, jobId: string, job: DocumentData): ExportTable {
  const chain = (Array.isArray(job.chain) ? job.chain : [job.task_config]) as {
    input_config?: { payload?: object };
    output_config?: { payload?: object };
  }[];
  const inputs = unique(chain.flatMap((t) => Object.keys(t?.input_config?.payload ?? {})));
  const outputs = unique(chain.flatMap((t) => Object.keys(t?.output_config?.payload ?? {})));
  async function* records(): AsyncGenerator<ExportRecord> {
    const query = db.collection(COLLECTIONS.tasks).where("job_id", "==", jobId).orderBy("created_at");
    for (let after: QueryDocumentSnapshot | undefined; ;) {
      const page = await (after ? query.startAfter(after) : query).limit(EXPORT_PAGE_SIZE).get();
      const tasks = page.docs.filter((d) => d.get("run_id") === job.run_id);
      const outputDocs = tasks.length ? await db.getAll(...tasks.map((d) => db.collection(COLLECTIONS.outputs).doc(d.id))) : [];
      for (const [i, task] of tasks.entries()) yield taskRecord(inputs, outputs, task.id, task.data(), outputDocs[i]?.data());
      if (page.size < EXPORT_PAGE_SIZE) return;
      after = page.docs[page.docs.length - 1];
    }
  }
  return { columns: jobTaskColumns(inputs, outputs), records: records() };
}

/**
 * Writes the table, waiting for the stream to drain whenever it asks, so that a slow reader holds no backlog here. CSV
 * values a spreadsheet would run as formulas get a `'` before them unless `raw` (export-format.ts).
 */
export async function writeTable(
  out: Writable,
  format: ExportFormat,
  table: ExportTable,
  options: { bom?: boolean | undefined } & ExportOptions = {},
): Promise<number> {
  let lines = 0;
  const write = async (text: string) => {
    if (text && !out.write(text)) await once(out, "drain");
  };
  await write(`${options.bom && format === "csv" ? "\uFEFF" : ""}${headerLine(format, table.columns, options)}`);
  for await (const record of table.records) {
    await write(recordLine(format, table.columns, record, options));
    lines++;
  }
  return lines;
}

const unique = (names: string[]) => [...new Set(names)];
