// Reads the task_configs/ library tasks a job's chain links to, so that validating the job before it is stored
// accepts a next_task that names one (start-job.ts resolves the same links again, in its transaction, at start).
import type { Firestore } from "firebase-admin/firestore";
import type { ConfigIssue } from "../config/config-issue";
import { TaskConfigSchema, type TaskConfig } from "../config/config-schemas";
import { hopLimit } from "../config/count-limits";
import { parseConfig, type ValidationContext } from "../validation/validate-config";
import { idProblem } from "../ids";
import { COLLECTIONS } from "../collections";

type Obj = Record<string, unknown>;
const asObject = (v: unknown): Obj | undefined => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined);
const asString = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);

export interface LibraryTasks {
  /**
   * The library tasks the chain reaches, by task id. An invalid one is reported once, in `issues`, and stands
   * here as a bare placeholder, so that the chain check treats its link as present (as start-job does).
   */
  tasks: Map<string, TaskConfig>;
  /** Problems in those library documents, at `task_configs/{id}.<path>` as start-job reports them. */
  issues: ConfigIssue[];
}

/**
 * Follows next_task from the raw job's entry task; a link that names no task of the job is looked up in the
 * library. Reads the raw input (not the parsed job), so that a shape error elsewhere does not hide a link;
 * a dangling link, a cycle or a chain past the hop limit is left for the job's own validation to report, with its
 * path: the walk stops there, so no job makes it read more than its hop limit of documents.
 */
export async function readLibraryTasks(db: Firestore, rawJob: unknown, validation: ValidationContext): Promise<LibraryTasks> {
  const job = asObject(rawJob);
  const inJob = new Map<string, Obj>();
  for (const task of Array.isArray(job?.task_configs) ? job.task_configs : []) {
    const id = asString(asObject(task)?.task_id);
    if (id && !inJob.has(id)) inJob.set(id, asObject(task)!);
  }
  const tasks = new Map<string, TaskConfig>();
  const seen = new Set<string>();
  let current = asObject(job?.task_config);
  const limit = hopLimit(job?.max_hops);
  for (let id = asString(current?.next_task); id && !seen.has(id) && seen.size < limit; id = asString(current?.next_task)) {
    seen.add(id);
    current = inJob.get(id);
    if (current) continue;
    if (idProblem(id)) break; // the job's validation says why the id is unusable
    const snap = await db.collection(COLLECTIONS.taskConfigs).doc(id).get();
    if (!snap.exists) break;
    const parsed = parseConfig("task", snap.data(), validation);
    if (!parsed.ok) {
      tasks.set(id, TaskConfigSchema.parse({ task_id: id }));
      return { tasks, issues: parsed.issues.map((i) => ({ path: `task_configs/${id}${i.path ? `.${i.path}` : ""}`, message: i.message })) };
    }
    tasks.set(id, parsed.value);
    current = parsed.value;
  }
  return { tasks, issues: [] };
}
