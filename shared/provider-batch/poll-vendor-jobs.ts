// Step 3 of a collector round: each submitted vendor job's status; an ended one's results read by key. An answer is
// stored in responses/{key} and its request answered; a request not run, or failed with a retryable error, is queued
// again (until BATCH_MAX_SUBMISSIONS); any other error fails it with the vendor's reason. Reading the results twice
// (two rounds, or one that stopped half-way) stores the same entries again, byte for byte, and moves no request twice.
import { Timestamp } from "firebase-admin/firestore";
import { COLLECTIONS } from "../collections";
import { toRunError } from "../engine/run-error";
import type { BatchItemResult, BatchProvider, VendorJobStatus } from "../models/batch-provider";
import { ModelCallError } from "../models/model-call-error";
import { answerWrites, applyAnswerWrites } from "../pipeline/response-store";
import type { Write } from "../pipeline/writes";
import type { VendorJobDoc } from "./batch-request-schema";
import { chunks, KEYS_PER_TRANSACTION, type CollectorDeps } from "./collector-deps";
import { readRequest, requestRef, settleRequests, type RequestOutcome } from "./settle-requests";
import { endVendorJob, providerFor, readVendorJob, vendorJobRef } from "./vendor-jobs";

/** Submitted vendor jobs one round looks at. */
export const MAX_JOBS_PER_ROUND = 50;
const DAY_MS = 86_400_000;

interface Polled {
  id: string;
  job: VendorJobDoc;
  provider: BatchProvider;
}

/** Polls the submitted vendor jobs not polled within BATCH_POLL_SECONDS; returns how many ended. */
export async function pollVendorJobs(deps: CollectorDeps, nowMs: number): Promise<number> {
  const jobs = await deps.db.collection(COLLECTIONS.vendorJobs).where("state", "==", "submitted").limit(MAX_JOBS_PER_ROUND).get();
  let ended = 0;
  for (const snap of jobs.docs) {
    const job = readVendorJob(deps, snap);
    if (!job?.name) continue;
    if (job.polled_at && nowMs - job.polled_at.toMillis() < deps.settings.pollSeconds * 1000) continue;
    const provider = providerFor(deps, job.route);
    // Its adapter is gone (the model table changed): what it held is queued again, and fails with the reason when sent.
    if (!("submit" in provider)) await endWithoutResults(deps, snap.id, job, provider.message, nowMs);
    else if (await pollJob(deps, { id: snap.id, job, provider }, nowMs)) ended++;
  }
  return ended;
}

async function pollJob(deps: CollectorDeps, polled: Polled, nowMs: number): Promise<boolean> {
  const { id, job, provider } = polled;
  let status: VendorJobStatus;
  try {
    status = await provider.status({ name: job.name! });
  } catch (err) {
    if (err instanceof ModelCallError && err.isRetryable) {
      deps.log?.("could not read a vendor batch job's status: read again next round", { vendorJob: id, error: err.message }, "warning");
      return false;
    }
    // The vendor no longer knows the job (or refuses to say): none of it will be answered.
    await endWithoutResults(deps, id, job, `its status could not be read: ${(err as Error).message}`, nowMs);
    return true;
  }
  await vendorJobRef(deps, id).update({ polled_at: Timestamp.fromMillis(nowMs), vendor_state: status.vendorState });
  if (status.state !== "ended") return false;
  if (status.noResults) {
    await endWithoutResults(
      deps,
      id,
      job,
      `the vendor job ended ${status.vendorState}${status.message ? `: ${status.message}` : ""}`,
      nowMs,
    );
    return true;
  }
  const resultsAt = await markResultsRead(deps, id, nowMs);
  if (!(await readResults(deps, polled, resultsAt, nowMs))) return false;
  await requeueUnanswered(deps, id, job.keys, `the vendor job ended ${status.vendorState} without a result for it`, nowMs);
  await endVendorJob(deps, id, nowMs, { vendor_state: status.vendorState, ...(status.message ? { message: status.message } : {}) });
  return true;
}

/** Every request still submitted in the job queued again as not run, and the job ended. */
async function endWithoutResults(deps: CollectorDeps, id: string, job: VendorJobDoc, reason: string, nowMs: number): Promise<void> {
  await requeueUnanswered(deps, id, job.keys, reason, nowMs);
  await endVendorJob(deps, id, nowMs, { message: reason });
}

async function requeueUnanswered(deps: CollectorDeps, id: string, keys: readonly string[], reason: string, nowMs: number) {
  await settleRequests(deps, new Map(keys.map((key) => [key, { kind: "requeue", reason }])), { state: "submitted", vendorJob: id }, nowMs);
}

/** The time of the job's first results reading, recorded once: every answer is stored with it, however often read. */
async function markResultsRead(deps: CollectorDeps, id: string, nowMs: number): Promise<number> {
  return deps.db.runTransaction(async (tx) => {
    const job = readVendorJob(deps, await tx.get(vendorJobRef(deps, id)));
    if (job?.results_at) return job.results_at.toMillis();
    tx.update(vendorJobRef(deps, id), { results_at: Timestamp.fromMillis(nowMs) });
    return nowMs;
  });
}

/**
 * Reads every result and applies them a few hundred at a time. Returns whether the reading reached the end (or
 * stopped on an error no later reading can avoid, after which the rest count as not run); false leaves the job for
 * the next round.
 */
async function readResults(deps: CollectorDeps, polled: Polled, resultsAt: number, nowMs: number): Promise<boolean> {
  let batch = new Map<string, BatchItemResult>();
  try {
    for await (const item of polled.provider.results({ name: polled.job.name! })) {
      // A key delivered twice in a reading: its first result counts.
      if (!batch.has(item.key)) batch.set(item.key, item);
      if (batch.size < KEYS_PER_TRANSACTION) continue;
      await applyResults(deps, polled, [...batch.values()], resultsAt, nowMs);
      batch = new Map();
    }
    await applyResults(deps, polled, [...batch.values()], resultsAt, nowMs);
    return true;
  } catch (err) {
    // What was read before the error is the vendor's answer all the same: kept, so a later reading has less to do.
    await applyResults(deps, polled, [...batch.values()], resultsAt, nowMs);
    const retryable = err instanceof ModelCallError && err.isRetryable;
    const fields = { vendorJob: polled.id, error: err instanceof Error ? err.message : String(err) };
    deps.log?.(
      `could not read a vendor batch job's results${retryable ? ": read again next round" : ": what is unread is sent again"}`,
      fields,
      "warning",
    );
    return !retryable;
  }
}

/** One slice of results: the answers stored (for requests still waiting on this job), then every request moved. */
async function applyResults(deps: CollectorDeps, polled: Polled, items: readonly BatchItemResult[], resultsAt: number, nowMs: number) {
  if (!items.length) return;
  const waiting = await stillSubmitted(
    deps,
    polled.id,
    items.map((item) => item.key),
  );
  const writes: Write[] = [];
  const outcomes = new Map<string, RequestOutcome>();
  for (const item of items) {
    const doc = waiting.get(item.key);
    if (!doc) continue;
    if (item.kind === "answered") {
      const times = { at: resultsAt, expiresAt: resultsAt + deps.settings.responseTtlDays * DAY_MS };
      const extra = { billing: "batch", stored_at: Timestamp.fromMillis(resultsAt) };
      writes.push(...answerWrites(item.key, item.result, doc, doc.owner_uid ?? undefined, times, extra));
      outcomes.set(item.key, { kind: "answered" });
    } else if (item.kind === "not_run") outcomes.set(item.key, { kind: "requeue", reason: item.reason });
    else {
      const error = { ...toRunError(item.error, { attempts: doc.submissions }), retryable: false };
      outcomes.set(item.key, item.error.isRetryable ? { kind: "requeue", reason: item.error.message, error } : { kind: "failed", error });
    }
  }
  // The answers are in the store before their requests say so: a resumed task finds what its request promises.
  await applyAnswerWrites(deps.db, writes);
  await settleRequests(deps, outcomes, { state: "submitted", vendorJob: polled.id }, nowMs);
}

async function stillSubmitted(deps: CollectorDeps, id: string, keys: readonly string[]) {
  const waiting = new Map<string, NonNullable<ReturnType<typeof readRequest>>>();
  for (const part of chunks(keys)) {
    for (const snap of await deps.db.getAll(...part.map((key) => requestRef(deps, key)))) {
      const doc = readRequest(deps, snap);
      if (doc?.state === "submitted" && doc.vendor_job === id) waiting.set(snap.id, doc);
    }
  }
  return waiting;
}
