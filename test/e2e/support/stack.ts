// The emulated stack the end-to-end suite drives: the page's address, a signed-up user, and a batch to watch.
import { getAuth } from "firebase-admin/auth";
import { FieldValue, type Firestore } from "firebase-admin/firestore";
import { JOB_ENVELOPE_FIELDS } from "../../../shared/pipeline/job-document";

/**
 * Whether the job validation knows a batch run's fields (the batch engine adds them to the job envelope). Until it
 * does, a job created with them is refused as invalid_config, so they are written once the job has started.
 */
const ENVELOPE_HAS_BATCH_FIELDS = (JOB_ENVELOPE_FIELDS as readonly string[]).includes("batch_id");

/** The Hosting emulator's address, from the hub's list of running emulators (so EMULATOR_PORT_BASE moves it too). */
export async function pageUrl(): Promise<string> {
  const hub = process.env.FIREBASE_EMULATOR_HUB;
  if (!hub) throw new Error("FIREBASE_EMULATOR_HUB is not set: run this suite through `npm test` (it starts the emulators)");
  const emulators = (await (await fetch(`http://${hub}/emulators`)).json()) as Record<string, { host: string; port: number } | undefined>;
  const hosting = emulators.hosting;
  if (!hosting) throw new Error(`the Hosting emulator is not running (the hub lists ${Object.keys(emulators).join(", ")})`);
  return `http://${hosting.host}:${hosting.port}/`;
}

/** A user on the Auth emulator (firebase-admin reaches it through FIREBASE_AUTH_EMULATOR_HOST). */
export async function createUser(email: string, password: string): Promise<string> {
  const user = await getAuth().createUser({ email, password });
  return user.uid;
}

export interface SeededBatch {
  batchId: string;
  jobIds: string[];
  rows: Array<Record<string, string>>;
}

/**
 * A batch as the batch engine (issue 11) stores one, and its runs' jobs, admitted one at a time as its admission
 * queue paces them: the real startJob and runTask triggers run each job. The engine's submit and its end-of-batch
 * write are not on this branch yet, so this stands in for them; with the engine merged, `npm run batch -- submit`
 * replaces it. Shapes: wt-d's shared/batch/batch-schema.ts (BatchDocumentSchema) and run-job.ts (buildRunJob).
 */
export async function seedBatch(
  db: Firestore,
  ownerUid: string,
  batchId: string,
  taskConfig: { input_config: { payload: Record<string, string> } } & Record<string, unknown>,
  rows: Array<Record<string, string>>,
  outputVariables: string[],
  admitEveryMs: number,
): Promise<SeededBatch> {
  const variables = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  await db.doc(`batches/${batchId}`).create({
    batch_id: batchId,
    status: "running",
    job: { task_config: taskConfig, task_configs: [] },
    base_rows: rows.length,
    rows_total: rows.length,
    repeats: 1,
    models: [],
    runs_total: rows.length,
    variables,
    output_variables: outputVariables,
    definition_hash: "e2e",
    owner_uid: ownerUid,
    retries: 0,
    created_at: FieldValue.serverTimestamp(),
  });
  const jobIds: string[] = [];
  for (const [rowIndex, inputs] of rows.entries()) {
    const jobId = `${batchId}~${String(rowIndex).padStart(6, "0")}~000`;
    jobIds.push(jobId);
    const place = { batch_id: batchId, row_id: `${batchId}~${String(rowIndex).padStart(6, "0")}`, row_index: rowIndex, repeat: 0, inputs };
    const ref = db.doc(`jobs/${jobId}`);
    await ref.create({
      job_id: jobId,
      status: "queued",
      task_config: { ...taskConfig, input_config: { payload: { ...taskConfig.input_config.payload, ...inputs, repeat: "0" } } },
      task_configs: [],
      ...(ENVELOPE_HAS_BATCH_FIELDS ? place : {}),
      owner_uid: ownerUid,
      created_at: FieldValue.serverTimestamp(),
    });
    if (!ENVELOPE_HAS_BATCH_FIELDS) {
      for (let waited = 0; !(await ref.get()).get("run_id"); waited += 50) {
        if (waited > 30_000) throw new Error(`jobs/${jobId} did not start within 30 s`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await ref.update(place);
    }
    await new Promise((resolve) => setTimeout(resolve, admitEveryMs));
  }
  await db.doc(`batches/${batchId}`).update({ enqueued_at: FieldValue.serverTimestamp() });
  return { batchId, jobIds, rows };
}

/** Once every run has ended: the batch's end, with its final counts and usage (the engine's write, stood in for). */
export async function endBatchWhenDone(db: Firestore, batch: SeededBatch, timeoutMs: number): Promise<Record<string, number>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const jobs = await Promise.all(batch.jobIds.map((id) => db.doc(`jobs/${id}`).get()));
    const statuses = jobs.map((j) => String(j.get("status")));
    if (statuses.every((s) => s === "success" || s === "failed" || s === "cancelled")) {
      const counts: Record<string, number> = {};
      for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
      const usage = { prompt_tokens: 0, output_tokens: 0, total_tokens: 0 };
      for (const j of jobs) for (const k of Object.keys(usage) as Array<keyof typeof usage>) usage[k] += Number(j.get(`usage.${k}`) ?? 0);
      await db.doc(`batches/${batch.batchId}`).update({
        status: counts.success === jobs.length ? "success" : "failed",
        final_counts: counts,
        final_usage: usage,
        finished_at: FieldValue.serverTimestamp(),
      });
      return counts;
    }
    if (Date.now() > until) throw new Error(`batch ${batch.batchId}: runs still not ended after ${timeoutMs} ms (${statuses.join(", ")})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
