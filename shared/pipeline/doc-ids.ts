// Deterministic document ids, so that every retry of a step in the chain names the same document.

/** Firestore ids may not contain "/" nor be "." or ".." or match __.*__; task ids come from users. */
export function safeIdPart(text: string): string {
  const cleaned = text.replace(/[/\s]+/g, "_").slice(0, 200);
  return cleaned && cleaned !== "." && cleaned !== ".." ? cleaned : "_";
}

/** tasks/ id of the task at `hop` (1 = entry) of a job run: `<job>~<run>~<hop>~<task_id>`. */
export function jobTaskDocId(jobId: string, runId: string, hop: number, taskId: string): string {
  return `${safeIdPart(jobId)}~${runId}~${hop}~${safeIdPart(taskId || "task")}`;
}

/** tasks/ id of the successor of a task outside any job: derived from its predecessor's id. */
export function chainedTaskDocId(previousDocId: string, taskId: string): string {
  return `${previousDocId.slice(0, 1000)}~next~${safeIdPart(taskId)}`;
}
