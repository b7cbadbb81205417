// A batch's progress, derived when read: count() and sum() aggregations over its runs' job documents, never a
// counter document (one document takes about one write a second; a batch ends hundreds of runs a minute).
import { AggregateField, type Firestore } from "firebase-admin/firestore";
import { addCost, ZERO_COST, type Cost } from "../engine/run-record";
import type { TokenUsage } from "../models/token-usage";
import { COLLECTIONS } from "../collections";
import { BatchDocumentSchema, type BatchDocument, type BatchStatus } from "./batch-schema";

/** Where a run is: waiting in the queue, admitted (its job created, not yet started), running, or ended. */
export const RUN_STATES = ["queued", "admitted", "running", "success", "failed", "cancelled"] as const;
export type RunState = (typeof RUN_STATES)[number];
export type RunCounts = Record<RunState, number>;

/** Job statuses a batch's jobs take; `pending` is a failed run marked for a retry, waiting in the queue again. */
const JOB_STATUSES = ["pending", "queued", "running", "success", "failed", "cancelled"] as const;
type JobStatus = (typeof JOB_STATUSES)[number];
export type JobCounts = Record<JobStatus, number> & RunTotals;

/** What the current runs of a batch's jobs used, cost and took from the response store, summed. */
export interface RunTotals {
  usage: TokenUsage;
  cost: Cost;
  /** Steps answered from the response store (no call, no cost). */
  cachedSteps: number;
}

export interface BatchProgress {
  batch: BatchDocument;
  status: BatchStatus;
  counts: RunCounts;
  total: number;
  /** Runs ended: success, failed, cancelled. */
  done: number;
  /** Tokens of every run's current run of its job. */
  usage: TokenUsage;
  /** What those runs cost, beside their tokens. */
  cost: Cost;
  /** Their steps answered from the response store. */
  cachedSteps: number;
  startedAt?: number;
  finishedAt?: number;
}

export async function readBatchDocument(db: Firestore, batchId: string): Promise<BatchDocument | undefined> {
  const snap = await db.collection(COLLECTIONS.batches).doc(batchId).get();
  if (!snap.exists) return undefined;
  const parsed = BatchDocumentSchema.safeParse(snap.data());
  if (!parsed.success)
    throw new Error(
      `batches/${batchId} is not a batch document: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  return parsed.data;
}

/**
 * A count() per job status, and four aggregations over all the batch's jobs: each costs a read per 1,000 jobs it
 * covers. The sums are asked apart from the counts, and cached_steps and cost.standard_usd apart from the rest, because
 * a query's sum()s cover only the documents that hold every field they name: a job not yet started has no usage (which
 * would make its count() wrong), a job holds cached_steps only once one of its steps was answered from the response
 * store, and cost.standard_usd only once a step was paid through a vendor's batch API.
 */
export async function countJobs(db: Firestore, batchId: string): Promise<JobCounts> {
  const jobs = db.collection(COLLECTIONS.jobs).where("batch_id", "==", batchId);
  const counting = Promise.all(
    JOB_STATUSES.map(async (status) => [status, (await jobs.where("status", "==", status).count().get()).data().count] as const),
  );
  const summing = (spec: Record<string, AggregateField<number>>) => jobs.aggregate(spec).get();
  const [counts, tokens, cost, cached, standard] = await Promise.all([
    counting,
    summing({
      prompt: AggregateField.sum("usage.prompt_tokens"),
      output: AggregateField.sum("usage.output_tokens"),
      total: AggregateField.sum("usage.total_tokens"),
    }),
    summing({ usd: AggregateField.sum("cost.usd"), unpriced: AggregateField.sum("cost.unpriced_tokens") }),
    summing({ cached: AggregateField.sum("cached_steps") }),
    summing({ standard: AggregateField.sum("cost.standard_usd") }),
  ]);
  // A sum over no document is 0: a batch with no batch-billed cost says nothing of a synchronous one.
  const standardUsd = standard.data().standard ?? 0;
  const t = tokens.data();
  const c = cost.data();
  return {
    ...(Object.fromEntries(counts) as Record<JobStatus, number>),
    usage: { prompt_tokens: t.prompt ?? 0, output_tokens: t.output ?? 0, total_tokens: t.total ?? 0 },
    // Rounded as every cost is (addCost): a sum of many doubles carries noise past the eleventh decimal.
    cost: addCost(ZERO_COST, {
      usd: c.usd ?? 0,
      unpriced_tokens: c.unpriced ?? 0,
      ...(standardUsd > 0 ? { standard_usd: standardUsd } : {}),
    }),
    cachedSteps: cached.data().cached ?? 0,
  };
}

/**
 * Pure. Runs without a job are still in the queue, or, in a cancelled batch, never admitted (cancelled); a job
 * marked for a retry (`pending`) is queued again.
 */
export function deriveProgress(batch: BatchDocument, jobs: JobCounts, finishedAt?: number): BatchProgress {
  const existing = JOB_STATUSES.reduce((n, s) => n + jobs[s], 0);
  const unadmitted = Math.max(0, batch.runs_total - existing);
  const cancelledBatch = batch.status === "cancelled";
  const counts: RunCounts = {
    queued: (cancelledBatch ? 0 : unadmitted) + jobs.pending,
    admitted: jobs.queued,
    running: jobs.running,
    success: jobs.success,
    failed: jobs.failed,
    cancelled: jobs.cancelled + (cancelledBatch ? unadmitted : 0),
  };
  const startedAt = batch.created_at?.toMillis();
  return {
    batch,
    status: batch.status,
    counts,
    total: batch.runs_total,
    done: counts.success + counts.failed + counts.cancelled,
    usage: jobs.usage,
    cost: jobs.cost,
    cachedSteps: jobs.cachedSteps,
    ...(startedAt !== undefined ? { startedAt } : {}),
    ...(finishedAt !== undefined ? { finishedAt } : {}),
  };
}

/** The totals an ended batch keeps in its document (final_*), so that it reads in one document from then on. */
export function finalTotals(progress: BatchProgress): Record<string, unknown> {
  return {
    final_counts: progress.counts,
    final_usage: progress.usage,
    final_cost: progress.cost,
    final_cached_steps: progress.cachedSteps,
  };
}

/** The status a running batch ends with now, or undefined while runs are left (or the submit has not finished enqueuing). */
export function settledStatus(progress: BatchProgress): Exclude<BatchStatus, "running" | "cancelled"> | undefined {
  if (progress.status !== "running" || !progress.batch.enqueued_at || progress.done < progress.total) return undefined;
  return progress.counts.failed + progress.counts.cancelled === 0 ? "success" : "failed";
}

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    prompt_tokens: a.prompt_tokens + b.prompt_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
  };
}
