// Step 1 of a collector round: an intent older than the take-over time has no name because its round stopped between
// recording it and recording the vendor's answer (or the create call failed in a way worth another try). The vendor
// is asked for the job by its display name (with the keys and time, for a vendor whose jobs have no name): found, its
// name is recorded; not found, it is created again under the same id; undecided, it waits. Never a second create of a
// job the vendor has.
import { Timestamp } from "firebase-admin/firestore";
import { COLLECTIONS } from "../collections";
import { toRunError } from "../engine/run-error";
import { VendorJobUndecided, type BatchRequest } from "../models/batch-provider";
import { ModelCallError } from "../models/model-call-error";
import type { VendorJobDoc } from "./batch-request-schema";
import { chunks, takeOverMs, type CollectorDeps } from "./collector-deps";
import { readRequest, requestRef } from "./settle-requests";
import { failVendorJob, providerFor, readVendorJob, recordName, sendJob, toBatchRequest, vendorJobRef } from "./vendor-jobs";

/** Intents one round looks at. */
export const MAX_INTENTS_PER_ROUND = 50;

export async function reconcileIntents(deps: CollectorDeps, nowMs: number): Promise<void> {
  const intents = await deps.db.collection(COLLECTIONS.vendorJobs).where("state", "==", "intent").limit(MAX_INTENTS_PER_ROUND).get();
  for (const snap of intents.docs) {
    const job = readVendorJob(deps, snap);
    if (!job || nowMs - job.intent_at.toMillis() < takeOverMs(deps.settings)) continue;
    await reconcileIntent(deps, snap.id, job, nowMs);
  }
}

async function reconcileIntent(deps: CollectorDeps, id: string, job: VendorJobDoc, nowMs: number): Promise<void> {
  const provider = providerFor(deps, job.route);
  if (!("submit" in provider)) return failVendorJob(deps, id, job.keys, provider, nowMs);
  let found;
  try {
    found = await provider.find(id, { keys: job.keys, intentAt: job.intent_at.toDate() });
  } catch (err) {
    if (err instanceof VendorJobUndecided || (err instanceof ModelCallError && err.isRetryable)) {
      deps.log?.("a vendor batch job's intent is not settled yet: asked again next round", { vendorJob: id, why: err.message });
      return;
    }
    // The vendor cannot be asked (a revoked key): creating it again could pay twice, waiting cannot help.
    return failVendorJob(deps, id, job.keys, { ...toRunError(err, { attempts: 1 }), retryable: false }, nowMs);
  }
  if (found) return recordName(deps, id, found, provider, nowMs);
  if (!(await claimIntent(deps, id, job.intent_at, nowMs))) return;
  deps.log?.("a vendor batch job's create call left no job at the vendor: creating it again", { vendorJob: id }, "warning");
  await sendJob(deps, id, job, provider, await requestsOf(deps, id, job.keys), nowMs);
}

/**
 * Takes the intent for one more create call by moving its intent time to now, if no other round did since it was
 * read: a round running at the same time sees a fresh intent and leaves it alone.
 */
async function claimIntent(deps: CollectorDeps, id: string, seenIntentAt: Timestamp, nowMs: number): Promise<boolean> {
  return deps.db.runTransaction(async (tx) => {
    const job = readVendorJob(deps, await tx.get(vendorJobRef(deps, id)));
    if (job?.state !== "intent" || !job.intent_at.isEqual(seenIntentAt)) return false;
    tx.update(vendorJobRef(deps, id), { intent_at: Timestamp.fromMillis(nowMs) });
    return true;
  });
}

/** The job's requests still submitted in it, as its adapter takes them. */
async function requestsOf(deps: CollectorDeps, id: string, keys: readonly string[]): Promise<BatchRequest[]> {
  const requests: BatchRequest[] = [];
  for (const part of chunks(keys)) {
    const snaps = await deps.db.getAll(...part.map((key) => requestRef(deps, key)));
    for (const snap of snaps) {
      const doc = readRequest(deps, snap);
      if (doc?.state === "submitted" && doc.vendor_job === id) requests.push(toBatchRequest(snap.id, doc));
    }
  }
  return requests;
}
