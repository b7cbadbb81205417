// Moving batch_requests/ on: answered, failed, or queued again, in transactions that apply a move only to a request
// still where the caller saw it (so a round run twice moves each request once), then resuming the waiters of each
// request that ended. A request that ended keeps `resuming_since` until its waiters' resumes were all called; a later
// round calls them again if the one that ended it stopped first (a resume is safe to repeat: it is named by task and key).
import { FieldValue, Timestamp, type DocumentData, type DocumentSnapshot } from "firebase-admin/firestore";
import { COLLECTIONS } from "../collections";
import type { RunError } from "../engine/run-record";
import { BatchRequestSchema, type BatchRequestDoc } from "./batch-request-schema";
import { chunks, takeOverMs, type CollectorDeps } from "./collector-deps";

export type RequestOutcome =
  | { kind: "answered" }
  | { kind: "failed"; error: RunError }
  /** Not run, or failed with a retryable error: queued again while it has submissions left, else failed. */
  | { kind: "requeue"; reason: string; error?: RunError };

/** Which requests a move applies to: those still in this state (and, when submitted, in this vendor job). */
export type SettleGuard = { state: "submitted"; vendorJob: string } | { state: "queued" };

interface Ended {
  key: string;
  waiters: readonly string[];
}

export const requestRef = (deps: Pick<CollectorDeps, "db">, key: string) => deps.db.collection(COLLECTIONS.batchRequests).doc(key);

/** The request a snapshot holds, or undefined (logged) when it is missing or not a batch request. */
export function readRequest(deps: Pick<CollectorDeps, "log">, snap: DocumentSnapshot): BatchRequestDoc | undefined {
  if (!snap.exists) return undefined;
  const parsed = BatchRequestSchema.safeParse(snap.data());
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
  deps.log?.("a batch request is malformed: left as it is", { key: snap.id, issues }, "error");
  return undefined;
}

const guardHolds = (doc: BatchRequestDoc, guard: SettleGuard) =>
  doc.state === guard.state && (guard.state === "queued" || doc.vendor_job === guard.vendorJob);

/** The fields a move writes, and whether the request ended. Pure. */
export function nextFields(
  doc: BatchRequestDoc,
  outcome: RequestOutcome,
  maxSubmissions: number,
  at: Timestamp,
): { fields: DocumentData; ended: boolean } {
  const ended = (more: DocumentData) => ({ fields: { updated_at: at, resuming_since: at, ...more }, ended: true });
  if (outcome.kind === "answered") return ended({ state: "answered" });
  if (outcome.kind === "failed") return ended({ state: "failed", error: outcome.error });
  if (doc.submissions < maxSubmissions)
    return { fields: { state: "queued", queued_at: at, updated_at: at, vendor_job: FieldValue.delete() }, ended: false };
  const sent = `it was sent in ${doc.submissions} vendor batch jobs, the most BATCH_MAX_SUBMISSIONS (${maxSubmissions}) allows`;
  const error: RunError = outcome.error
    ? { ...outcome.error, message: `${outcome.error.message}; ${sent}`, retryable: false }
    : {
        code: "model_error",
        message: `the vendor did not run this request (the last time: ${outcome.reason}); ${sent}: run the task again later, or without provider batch mode`,
        retryable: false,
      };
  return ended({ state: "failed", error });
}

/** Applies each outcome to its request if the guard still holds, then resumes the waiters of those that ended. */
export async function settleRequests(
  deps: CollectorDeps,
  outcomes: ReadonlyMap<string, RequestOutcome>,
  guard: SettleGuard,
  nowMs: number,
): Promise<number> {
  let moved = 0;
  for (const keys of chunks([...outcomes.keys()])) {
    const { ended, count } = await deps.db.runTransaction(async (tx) => {
      const snaps = await tx.getAll(...keys.map((key) => requestRef(deps, key)));
      const endedHere: Ended[] = [];
      let movedHere = 0;
      for (const snap of snaps) {
        const doc = readRequest(deps, snap);
        if (!doc || !guardHolds(doc, guard)) continue;
        const next = nextFields(doc, outcomes.get(snap.id)!, deps.settings.maxSubmissions, Timestamp.fromMillis(nowMs));
        tx.update(snap.ref, next.fields);
        movedHere++;
        if (next.ended) endedHere.push({ key: snap.id, waiters: doc.waiters });
      }
      return { ended: endedHere, count: movedHere };
    });
    moved += count;
    await resumeWaiters(deps, ended);
  }
  return moved;
}

/** Calls each waiter's resume, then clears `resuming_since`; a failure leaves it for a later round to take over. */
async function resumeWaiters(deps: CollectorDeps, ended: readonly Ended[]): Promise<void> {
  for (const { key, waiters } of ended) {
    try {
      for (const waiter of waiters) await deps.resume(waiter, key);
      await requestRef(deps, key).update({ resuming_since: FieldValue.delete() });
    } catch (err) {
      deps.log?.(
        "could not resume the tasks waiting for a batch request: a later round tries again",
        {
          key,
          error: err instanceof Error ? err.message : String(err),
        },
        "error",
      );
    }
  }
}

/** Resumes the waiters of requests whose round ended before it had resumed them all (older than the take-over time). */
export async function takeOverResumes(deps: CollectorDeps, nowMs: number, limit = 100): Promise<void> {
  const staleBefore = Timestamp.fromMillis(nowMs - takeOverMs(deps.settings));
  const stale = await deps.db.collection(COLLECTIONS.batchRequests).where("resuming_since", "<=", staleBefore).limit(limit).get();
  for (const seen of stale.docs) {
    const claimed = await deps.db.runTransaction(async (tx) => {
      const snap = await tx.get(seen.ref);
      const doc = readRequest(deps, snap);
      // Another round took it over since the query: leave it to that round.
      if (!doc?.resuming_since?.isEqual(seen.get("resuming_since") as Timestamp)) return undefined;
      tx.update(seen.ref, { resuming_since: Timestamp.fromMillis(nowMs) });
      return { key: seen.id, waiters: doc.waiters };
    });
    if (claimed) await resumeWaiters(deps, [claimed]);
  }
}
