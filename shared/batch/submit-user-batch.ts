// Submits a batch for a signed-in user (the submitBatch callable): the CLI's validation and plan (planWithLibrary) and
// its submit (submitBatch, owned by the caller), so that a batch one accepts the other does. No Firebase Functions code.
import type { Firestore } from "firebase-admin/firestore";
import { z } from "zod";
import type { ConfigIssue } from "../config/config-issue";
import type { ValidationContext } from "../validation/validate-config";
import { zodIssues } from "../validation/validate-config";
import { COLLECTIONS } from "../collections";
import { readLibraryTasks } from "../pipeline/read-library-tasks";
import { planWithLibrary } from "./plan-with-library";
import { enqueueBatch } from "./enqueue-batch";
import type { Enqueue } from "./task-queue";

export interface SubmitUserBatchDeps {
  db: Firestore;
  validation: ValidationContext;
  enqueue: Enqueue;
}

export type SubmitUserBatchResult =
  | { kind: "created" | "resumed"; batchId: string; runsTotal: number }
  | { kind: "invalid"; issues: ConfigIssue[] }
  | { kind: "exists"; batchId: string; reason: string };

/** The callable's request: the batch config as the CLI's batch file holds it (parsed JSONC). */
export const SubmitBatchRequestSchema = z.strictObject({
  batch: z.unknown().refine((v) => v !== undefined, "batch is required: { batch: { batch_id, job, rows | grid } }"),
});

export const ROWS_FILE_REFUSED =
  "rows_file names a file on the submitting machine, which only `npm run batch -- submit` reads; put the rows inline (rows) or use a grid";

/**
 * Resubmitting follows the engine: the same batch under the same id by its owner answers the same id (and enqueues only
 * what a stopped submit left out); a different batch under a taken id, another user's batch, or one that has already
 * ended is refused as "exists".
 */
export async function submitUserBatch(deps: SubmitUserBatchDeps, uid: string, request: unknown): Promise<SubmitUserBatchResult> {
  const parsed = SubmitBatchRequestSchema.safeParse(request);
  if (!parsed.success) return { kind: "invalid", issues: zodIssues(parsed.error) };
  const raw = parsed.data.batch;
  const refused: ConfigIssue[] = isObject(raw) && raw.rows_file !== undefined ? [{ path: "rows_file", message: ROWS_FILE_REFUSED }] : [];
  const planned = await planWithLibrary({ raw }, deps.validation, (rawJob) => readLibraryTasks(deps.db, rawJob, deps.validation));
  if (!planned.ok || refused.length) return { kind: "invalid", issues: [...refused, ...(planned.ok ? [] : planned.issues)] };
  const { plan } = planned;
  // Read before the submit: a resubmission by someone else must not enqueue anything under the owner's batch.
  const existing = await deps.db.collection(COLLECTIONS.batches).doc(plan.batchId).get();
  if (existing.exists && existing.get("owner_uid") !== uid) {
    return {
      kind: "exists",
      batchId: plan.batchId,
      reason: `batches/${plan.batchId} is not yours (another user, or the command line, submitted it); give this batch another batch_id`,
    };
  }
  const result = await enqueueBatch({ db: deps.db, enqueue: deps.enqueue }, plan, { ownerUid: uid });
  switch (result.kind) {
    case "created":
    case "resumed":
      return { kind: result.kind, batchId: result.batchId, runsTotal: result.runsTotal };
    case "conflict":
      return { kind: "exists", batchId: result.batchId, reason: result.reason };
    case "ended":
      return {
        kind: "exists",
        batchId: result.batchId,
        reason: `batches/${result.batchId} has already ended (${result.status}); give this batch another batch_id`,
      };
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
