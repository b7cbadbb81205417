// Deterministic ids of a batch's rows, runs and queue tasks: submitting the same batch twice names the same documents.
import { createHash } from "node:crypto";

/** Row indexes are zero-padded so that a batch's jobs list in row order by document id (the export's order). */
const ROW_DIGITS = String(100_000).length;
const REPEAT_DIGITS = 3;

export const rowId = (batchId: string, rowIndex: number): string => `${batchId}~${String(rowIndex).padStart(ROW_DIGITS, "0")}`;

/** jobs/ id of one run of a row: the row, the repeat, and the model when the batch lists models. */
export function runJobId(batchId: string, rowIndex: number, repeat: number, model?: string): string {
  return `${rowId(batchId, rowIndex)}~${String(repeat).padStart(REPEAT_DIGITS, "0")}${model ? `~${model}` : ""}`;
}

/**
 * jobs/ id of a run whose own id was found taken by a job that is not this batch's run (a job made before "~" was
 * reserved, or by hand): the run ends failed there, saying why, so that the batch still ends. Model keys are upper
 * case (UPPER_SNAKE_CASE), so no run id ends in `~refused`.
 */
export const refusedRunJobId = (runJobId: string): string => `${runJobId}~refused`;

/**
 * A Cloud Tasks task id (letters, digits, `-` and `_` only). It starts with a hash: Cloud Tasks spreads load by
 * task name, and names sharing a long prefix (every row of a batch) would all land in one range. The readable rest
 * is for people reading the queue; the hash of the full job id keeps two ids that clean to the same text apart.
 */
export function queueTaskId(jobId: string, attempt = "admit"): string {
  const hash = createHash("sha256").update(jobId).digest("hex").slice(0, 12);
  const readable = jobId.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 400);
  return `${hash}-${readable}-${attempt}`;
}
