// Submits a job for a signed-in user: validates it, holds the user to their limit of unfinished jobs, and creates
// jobs/{id} queued with the user as owner; the startJob trigger then starts it. No Firebase Functions code here.
import { FieldValue, type Firestore } from "firebase-admin/firestore";
import type { ConfigIssue } from "../config/config-issue";
import type { ValidationContext } from "../validation/validate-config";
import { COLLECTIONS } from "../collections";
import { fitsInDocument, MAX_DOCUMENT_BYTES } from "./output-document";
import { countRunsInFlight } from "./runs-in-flight";
import { validateSubmittedJob } from "./validate-submitted-job";

const ALREADY_EXISTS = 6;

export interface SubmitJobDeps {
  db: Firestore;
  validation: ValidationContext;
  /** How many queued or running runs one user may have (LIMITS.runningJobsPerUser, MAX_RUNNING_JOBS_PER_USER). */
  maxRunningJobs: number;
}

export type SubmitJobResult =
  | { kind: "created"; jobId: string }
  | { kind: "invalid"; issues: ConfigIssue[] }
  | { kind: "limit_reached"; active: number; limit: number }
  | { kind: "exists"; jobId: string };

export async function submitUserJob(deps: SubmitJobDeps, uid: string, request: unknown): Promise<SubmitJobResult> {
  const { db } = deps;
  const checked = await validateSubmittedJob(db, deps.validation, request);
  if (!checked.ok) return { kind: "invalid", issues: checked.issues };
  const jobs = db.collection(COLLECTIONS.jobs);
  // An absent job_id gets a generated one, so a client need not invent unique ids.
  const jobId = checked.job.job_id || jobs.doc().id;
  const doc = { ...checked.job, job_id: jobId, status: "queued", owner_uid: uid };
  if (!fitsInDocument(doc)) {
    return {
      kind: "invalid",
      issues: [
        {
          path: "",
          message: `the job is over Firestore's document limit (${MAX_DOCUMENT_BYTES} bytes); split it into smaller jobs or move long inputs out of the configs`,
        },
      ],
    };
  }
  // A soft limit: calls racing each other may each see the same count, so a burst can pass it by the calls in flight.
  // The count includes the user's batch runs, so that jobs and batches share one limit.
  const active = await countRunsInFlight(db, uid);
  if (active >= deps.maxRunningJobs) return { kind: "limit_reached", active, limit: deps.maxRunningJobs };
  try {
    await jobs.doc(jobId).create({ ...doc, created_at: FieldValue.serverTimestamp() });
  } catch (err) {
    if ((err as { code?: unknown }).code === ALREADY_EXISTS) return { kind: "exists", jobId };
    throw err;
  }
  return { kind: "created", jobId };
}
