// Plans a batch with the task_configs/ library its job template links to: one path for the CLI's batch file and the
// submitBatch callable's request, so that both accept exactly the same batches.
import type { ConfigIssue } from "../config/config-issue";
import type { TaskConfig } from "../config/config-schemas";
import type { ValidationContext } from "../validation/validate-config";
import { batchSizeIssues, planBatch, type PlanInput, type PlanResult } from "./plan-batch";

/** The task_configs/ library tasks a job template links to, as readLibraryTasks finds them (and their problems). */
export type ReadLibrary = (rawJob: unknown) => Promise<{ tasks: Map<string, TaskConfig>; issues: ConfigIssue[] }>;

export const NO_LIBRARY: ReadLibrary = () => Promise.resolve({ tasks: new Map(), issues: [] });

/** Every problem at once: the library's (under `job.`), then the batch's own; a batch over MAX_BATCH_BYTES reads nothing. */
export async function planWithLibrary(
  input: PlanInput,
  validation: ValidationContext,
  readLibrary: ReadLibrary = NO_LIBRARY,
): Promise<PlanResult> {
  const tooLarge = batchSizeIssues(input.raw, validation);
  if (tooLarge.length) return { ok: false, issues: tooLarge };
  const library = await readLibrary((input.raw as { job?: unknown } | null)?.job);
  const planned = planBatch(input, { ...validation, libraryTasks: library.tasks });
  if (!library.issues.length) return planned;
  return {
    ok: false,
    issues: [...library.issues.map((i) => ({ path: `job.${i.path}`, message: i.message })), ...(planned.ok ? [] : planned.issues)],
  };
}
