// Small batches for tests: a one-step chain whose entry task declares the variables the rows bind.
import { oneStepTask } from "./sample-configs";

/** A job template whose entry task declares `inputs` and answers `prompt` (with %vars%) as `answer`. */
export function batchTemplate(prompt: string, inputs: readonly string[]) {
  return { task_config: oneStepTask("t", prompt, Object.fromEntries(inputs.map((n) => [n, ""]))) };
}

/** A batch over `grid` (and optional other fields) with a one-step chain reading every grid variable. */
export function gridBatch(batchId: string, grid: Record<string, string[]>, extra: Record<string, unknown> = {}) {
  const names = Object.keys(grid);
  return { batch_id: batchId, job: batchTemplate(names.map((n) => `${n}=%${n}%`).join(" "), names), grid, ...extra };
}
