// Deterministic document ids, so that every retry of a step in the chain names the same document. The ids they are
// made of are used as they are, never rewritten: job and task ids are checked against the id rule (shared/ids.ts) at
// validation, so two jobs or tasks that differ always name different documents.
import { createHash } from "node:crypto";

/**
 * tasks/ id of the task at `hop` (1 = entry) of a job run: `<job>~<run>~<hop>~<task_id>`. Task ids hold no "~", and
 * run and hop none either, so the id reads back one way only, whatever the job id (a batch run's holds "~").
 */
export function jobTaskDocId(jobId: string, runId: string, hop: number, taskId: string): string {
  return `${jobId}~${runId}~${hop}~${taskId || "task"}`;
}

/** A predecessor id over this many UTF-8 bytes is shortened: the successor's id must stay inside Firestore's 1,500. */
const MAX_PREVIOUS_BYTES = 800;
/** Code points kept from a shortened predecessor id (at most 4 bytes each), before its digest. */
const KEPT_CODE_POINTS = 150;

/**
 * tasks/ id of the successor of a task outside any job: derived from its predecessor's id. A long predecessor id is
 * shortened to its start and a SHA-256 digest of all of it, never merely cut: two chains that share a long start
 * still name different successors.
 */
export function chainedTaskDocId(previousDocId: string, taskId: string): string {
  const previous =
    Buffer.byteLength(previousDocId, "utf8") <= MAX_PREVIOUS_BYTES
      ? previousDocId
      : `${Array.from(previousDocId).slice(0, KEPT_CODE_POINTS).join("")}#${createHash("sha256").update(previousDocId).digest("hex").slice(0, 32)}`;
  return `${previous}~next~${taskId}`;
}
