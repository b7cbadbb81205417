// Cancelling one's own work (the cancelJob and cancelBatch callables, the page's Cancel buttons): the request's shape,
// then the owner, then the engine's own cancel (cancel-job.ts, cancel-batch.ts). No Firebase Functions code.
import type { Firestore } from "firebase-admin/firestore";
import { z } from "zod";
import type { ConfigIssue } from "../config/config-issue";
import { zodIssues } from "../validation/validate-config";
import { COLLECTIONS } from "../collections";
import { cancelJob } from "../pipeline/cancel-job";
import { cancelBatch } from "./cancel-batch";

export const CancelJobRequestSchema = z.strictObject({ job_id: z.string().min(1, "job_id names the job to cancel") });
export const CancelBatchRequestSchema = z.strictObject({ batch_id: z.string().min(1, "batch_id names the batch to cancel") });

export type CancelOwnedResult =
  | { kind: "cancelled"; path: string; detail: { running_task?: boolean; cancelled_jobs?: number } }
  | { kind: "invalid"; issues: ConfigIssue[] }
  | { kind: "not_found" | "not_yours" | "ended"; path: string; reason: string };

interface Deps {
  db: Firestore;
  now?: () => number;
}

/** The caller's job, cancelled: it ends `cancelled`, its task not yet started with it, and nothing runs after it. */
export async function cancelOwnedJob(deps: Deps, uid: string, request: unknown): Promise<CancelOwnedResult> {
  const parsed = CancelJobRequestSchema.safeParse(request);
  if (!parsed.success) return { kind: "invalid", issues: zodIssues(parsed.error) };
  const path = `${COLLECTIONS.jobs}/${parsed.data.job_id}`;
  const refused = await ownerRefusal(deps.db, path, uid);
  if (refused) return refused;
  const result = await cancelJob(deps, parsed.data.job_id, "cancelled by its owner");
  if (result.kind !== "ended") return { kind: "ended", path, reason: `${path} was not cancelled: ${result.reason}` };
  return { kind: "cancelled", path, detail: { running_task: result.currentTaskDocId !== undefined } };
}

/** The caller's batch, cancelled: no further row is admitted, and every row admitted and not ended is cancelled. */
export async function cancelOwnedBatch(deps: Deps, uid: string, request: unknown): Promise<CancelOwnedResult> {
  const parsed = CancelBatchRequestSchema.safeParse(request);
  if (!parsed.success) return { kind: "invalid", issues: zodIssues(parsed.error) };
  const path = `${COLLECTIONS.batches}/${parsed.data.batch_id}`;
  const refused = await ownerRefusal(deps.db, path, uid);
  if (refused) return refused;
  const result = await cancelBatch(deps, parsed.data.batch_id);
  if (result.kind !== "cancelled") return { kind: "ended", path, reason: `${path} was not cancelled: ${result.reason}` };
  return { kind: "cancelled", path, detail: { cancelled_jobs: result.cancelledJobs } };
}

/** An owner never changes, so reading it before the cancel's own transaction decides the same as reading it inside. */
async function ownerRefusal(db: Firestore, path: string, uid: string): Promise<CancelOwnedResult | undefined> {
  const snap = await db.doc(path).get();
  if (!snap.exists) return { kind: "not_found", path, reason: `there is no ${path}: check the id` };
  if (snap.get("owner_uid") !== uid)
    return { kind: "not_yours", path, reason: `${path} is not yours: you can cancel only what you submitted` };
  return undefined;
}
