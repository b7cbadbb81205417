// One round of the provider batch collector (docs/provider-batch.md, steps 4 and 5): reconcile intents left without a
// name, send the groups of queued requests that are ready, poll the submitted vendor jobs and settle the results of
// those that ended, and resume what an earlier round settled but did not resume. Each step works on a bounded number
// of documents; any of it may run twice, or in two rounds at once, without a second vendor job or a second move.
import { COLLECTIONS } from "../collections";
import type { CollectorDeps } from "./collector-deps";
import { pollVendorJobs } from "./poll-vendor-jobs";
import { reconcileIntents } from "./reconcile-intents";
import { takeOverResumes } from "./settle-requests";
import { submitQueued } from "./submit-groups";

export interface CollectorRound {
  /** Vendor jobs created this round. */
  created: number;
  /** Vendor jobs that ended this round. */
  ended: number;
  /** Whether a request or vendor job is still open: the driver schedules the next round when so. */
  open: boolean;
}

export async function collectProviderBatches(deps: CollectorDeps, nowMs: number): Promise<CollectorRound> {
  await reconcileIntents(deps, nowMs);
  const created = await submitQueued(deps, nowMs);
  const ended = await pollVendorJobs(deps, nowMs);
  await takeOverResumes(deps, nowMs);
  return { created, ended, open: await anythingOpen(deps) };
}

/** A request queued or submitted, a vendor job not ended, or a request whose waiters are not all resumed yet. */
export async function anythingOpen(deps: Pick<CollectorDeps, "db">): Promise<boolean> {
  const requests = deps.db.collection(COLLECTIONS.batchRequests);
  const probes = [
    requests.where("state", "in", ["queued", "submitted"]).limit(1),
    requests.where("resuming_since", "!=", null).limit(1),
    deps.db.collection(COLLECTIONS.vendorJobs).where("state", "in", ["intent", "submitted"]).limit(1),
  ];
  const found = await Promise.all(probes.map((query) => query.get()));
  return found.some((snap) => !snap.empty);
}
