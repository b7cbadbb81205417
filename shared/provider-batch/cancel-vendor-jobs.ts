// When every task waiting for some requests was cancelled: those requests are not sent (queued ones fail `cancelled`),
// and a vendor job all of whose requests are such is cancelled at the vendor (its requests fail `cancelled` too, so
// that its end queues none of them again). A job that also holds requests someone still waits for runs on.
import type { RunError } from "../engine/run-record";
import { chunks, type CollectorDeps } from "./collector-deps";
import { readRequest, requestRef, settleRequests, type RequestOutcome } from "./settle-requests";
import { providerFor, readVendorJob, vendorJobRef } from "./vendor-jobs";

const CANCELLED: RunError = {
  code: "cancelled",
  message: "every task waiting for this model call was cancelled, so it was not sent or its vendor batch job was cancelled",
  retryable: false,
};

/** Returns the vendor jobs cancelled. */
export async function cancelVendorJobsOf(deps: CollectorDeps, keys: readonly string[], nowMs: number): Promise<string[]> {
  const cancelledKeys = new Set(keys);
  const queued = new Map<string, RequestOutcome>();
  const jobIds = new Set<string>();
  for (const part of chunks(keys)) {
    for (const snap of await deps.db.getAll(...part.map((key) => requestRef(deps, key)))) {
      const doc = readRequest(deps, snap);
      if (doc?.state === "queued") queued.set(snap.id, { kind: "failed", error: CANCELLED });
      if (doc?.state === "submitted" && doc.vendor_job) jobIds.add(doc.vendor_job);
    }
  }
  if (queued.size) await settleRequests(deps, queued, { state: "queued" }, nowMs);
  const cancelled: string[] = [];
  for (const id of jobIds) {
    const job = readVendorJob(deps, await vendorJobRef(deps, id).get());
    // An intent has no name to cancel yet; a later call (or its end) deals with it.
    if (job?.state !== "submitted" || !job.name || !job.keys.every((key) => cancelledKeys.has(key))) continue;
    const provider = providerFor(deps, job.route);
    if (!("cancel" in provider)) throw new Error(`vendor job ${id} cannot be cancelled: ${provider.message}`);
    await provider.cancel({ name: job.name });
    const outcomes = new Map<string, RequestOutcome>(job.keys.map((key) => [key, { kind: "failed", error: CANCELLED }]));
    await settleRequests(deps, outcomes, { state: "submitted", vendorJob: id }, nowMs);
    cancelled.push(id);
  }
  return cancelled;
}
