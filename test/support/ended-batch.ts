// A batch whose runs have all ended, written straight into Firestore as the engine leaves it: for tests of what reads a
// batch (settlement, the export, the page's downloads) that need no run of the chain.
import { Timestamp, type Firestore } from "firebase-admin/firestore";
import { readBatchDocument } from "../../shared/batch/batch-progress";
import type { BatchDocument } from "../../shared/batch/batch-schema";
import { batchDocument } from "../../shared/batch/enqueue-batch";
import { planBatch } from "../../shared/batch/plan-batch";
import { buildRunJob } from "../../shared/batch/run-job";
import { DEFAULT_VALIDATION } from "../../shared/validation/validate-config";
import { batchTemplate } from "./batch-configs";

/**
 * `batches/<batchId>`, enqueued in full, with one run per text (variable `text`), each ended with the status given and
 * its output `answer` the text itself; owned by `ownerUid` when given.
 */
export async function writeEndedBatch(
  db: Firestore,
  batchId: string,
  texts: readonly string[],
  options: { status?: (index: number) => string; ownerUid?: string } = {},
): Promise<BatchDocument> {
  const rows = texts.map((text) => ({ text }));
  const planned = planBatch({ raw: { batch_id: batchId, job: batchTemplate("%text%", ["text"]), rows } }, DEFAULT_VALIDATION);
  if (!planned.ok) throw new Error(JSON.stringify(planned.issues));
  // enqueued_at: enqueued in full, so the batch may end once its runs have.
  await db.doc(`batches/${batchId}`).create({ ...batchDocument(planned.plan, options.ownerUid), enqueued_at: Timestamp.now() });
  const batch = (await readBatchDocument(db, batchId))!;
  const writer = db.bulkWriter();
  rows.forEach((row, i) => {
    const { jobId, doc } = buildRunJob(batch, { kind: "admit", batch_id: batchId, row_index: i, repeat: 0, inputs: row });
    void writer.create(db.doc(`jobs/${jobId}`), {
      ...doc,
      status: options.status?.(i) ?? "success",
      runs: 1,
      run_id: "run1",
      output_payload: { answer: row.text },
      usage: { prompt_tokens: 1, output_tokens: 1, total_tokens: 2 },
      started_at: Timestamp.fromMillis(1000),
      finished_at: Timestamp.fromMillis(2000),
    });
  });
  await writer.close();
  return batch;
}
