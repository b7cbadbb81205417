// Step 2 of a collector round: the queued requests grouped by provider, route and model within the vendor's limits,
// and each group that is ready sent as one vendor job: its intent recorded with its requests marked submitted (in
// transactions, so that two rounds never put a request in two jobs), then the vendor's create call, then its name.
import { FieldValue, Timestamp } from "firebase-admin/firestore";
import { COLLECTIONS } from "../collections";
import type { RunError } from "../engine/run-record";
import type { BatchProvider } from "../models/batch-provider";
import type { BatchRequestDoc } from "./batch-request-schema";
import { chunks, type CollectorDeps } from "./collector-deps";
import { groupIdentity, planGroups, type Groupable, type RequestGroup } from "./group-requests";
import { readRequest, requestRef, settleRequests, type RequestOutcome } from "./settle-requests";
import { newVendorJobId, providerFor, readVendorJob, sendJob, toBatchRequest, vendorJobRef } from "./vendor-jobs";

/** Queued requests one round reads at most (oldest first): the rest wait for the next round. */
export const MAX_QUEUED_PER_ROUND = 20_000;

interface Queued {
  key: string;
  doc: BatchRequestDoc;
  groupId: string;
}

/** Sends every ready group as a vendor job; fails what can never be sent. Returns the vendor jobs created. */
export async function submitQueued(deps: CollectorDeps, nowMs: number): Promise<number> {
  const snap = await deps.db
    .collection(COLLECTIONS.batchRequests)
    .where("state", "==", "queued")
    .orderBy("queued_at")
    .limit(MAX_QUEUED_PER_ROUND)
    .get();
  const queued: Queued[] = snap.docs.flatMap((d) => {
    const doc = readRequest(deps, d);
    return doc ? [{ key: d.id, doc, groupId: groupIdentity(doc.provider, doc.route, doc.model) }] : [];
  });
  const providers = new Map<string, BatchProvider | RunError>();
  for (const { groupId, doc } of queued) if (!providers.has(groupId)) providers.set(groupId, providerFor(deps, doc.route));
  const unsendable = new Map<string, RequestOutcome>();
  const groupable: Groupable[] = [];
  for (const { key, doc, groupId } of queued) {
    const provider = providers.get(groupId)!;
    if (!("submit" in provider)) unsendable.set(key, { kind: "failed", error: provider });
    else groupable.push({ key, groupId, queuedAtMs: doc.queued_at.toMillis(), bytes: provider.requestBytes(toBatchRequest(key, doc)) });
  }
  const limitsOf = (groupId: string) => (providers.get(groupId) as BatchProvider).limits;
  const plan = planGroups(groupable, limitsOf, deps.settings.groupWindowSeconds * 1000, nowMs);
  for (const request of plan.oversized) unsendable.set(request.key, { kind: "failed", error: oversizedError(request, limitsOf) });
  if (unsendable.size) await settleRequests(deps, unsendable, { state: "queued" }, nowMs);
  const byKey = new Map(queued.map((q) => [q.key, q.doc]));
  let created = 0;
  for (const group of plan.ready) {
    if (await submitGroup(deps, group, byKey, providers.get(group.groupId) as BatchProvider, nowMs)) created++;
  }
  return created;
}

function oversizedError(request: Groupable, limitsOf: (groupId: string) => { maxBytes: number }): RunError {
  const { maxBytes } = limitsOf(request.groupId);
  return {
    code: "limit_exceeded",
    message: `this model call takes ${request.bytes} bytes in a vendor batch job, more than one job of its provider holds (${maxBytes}): shorten its prompts, or run it without provider batch mode`,
    retryable: false,
  };
}

async function submitGroup(
  deps: CollectorDeps,
  group: RequestGroup,
  byKey: ReadonlyMap<string, BatchRequestDoc>,
  provider: BatchProvider,
  nowMs: number,
): Promise<boolean> {
  const first = byKey.get(group.keys[0]!)!;
  const id = newVendorJobId(provider.name, nowMs);
  const keys = await recordIntent(deps, id, group.keys, first, nowMs);
  if (!keys.length) return false;
  const requests = keys.map((key) => toBatchRequest(key, byKey.get(key)!));
  await sendJob(deps, id, { model: first.model, keys }, provider, requests, nowMs);
  return true;
}

/**
 * Marks the group's requests that are still queued as submitted in vendor job `id`, and records the job's intent with
 * exactly those keys: in transactions of a few hundred requests, each adding its keys to the intent, so that a crash
 * between two leaves an intent whose keys are exactly its submitted requests. Returns the keys.
 */
async function recordIntent(
  deps: CollectorDeps,
  id: string,
  keys: readonly string[],
  first: BatchRequestDoc,
  nowMs: number,
): Promise<string[]> {
  const at = Timestamp.fromMillis(nowMs);
  const recorded: string[] = [];
  for (const part of chunks(keys)) {
    const kept = await deps.db.runTransaction(async (tx) => {
      const job = await tx.get(vendorJobRef(deps, id));
      const snaps = await tx.getAll(...part.map((key) => requestRef(deps, key)));
      const still = snaps.flatMap((snap) => {
        const doc = readRequest(deps, snap);
        return doc?.state === "queued" ? [{ snap, doc }] : [];
      });
      if (!still.length) return [];
      for (const { snap, doc } of still)
        tx.update(snap.ref, { state: "submitted", vendor_job: id, submissions: doc.submissions + 1, updated_at: at });
      const stillKeys = still.map(({ snap }) => snap.id);
      if (readVendorJob(deps, job)) tx.update(job.ref, { keys: FieldValue.arrayUnion(...stillKeys) });
      else {
        const { provider, model, route } = first;
        tx.create(job.ref, { state: "intent", provider, model, route, keys: stillKeys, intent_at: at });
      }
      return stillKeys;
    });
    recorded.push(...kept);
  }
  return recorded;
}
