// The counts a config is held to before anything else is checked: steps per task (MAX_STEPS_PER_TASK) and a job's tasks
// within its hop limit. Each is an array's length, so a config past them is refused without parsing its parts.
import type { Limits } from "../limits";
import { DEFAULT_MAX_HOPS, MAX_HOPS_CEILING, type ConfigType } from "./config-schemas";
import type { ConfigIssue } from "./config-issue";

type Obj = Record<string, unknown>;
const asObject = (v: unknown): Obj | undefined => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined);

/** The count problems of a raw config; empty when it is within them (or not the shape to count). */
export function countLimitIssues(type: ConfigType, raw: unknown, limits: Limits): ConfigIssue[] {
  if (type === "task") return stepCountIssues(asObject(raw), "", limits);
  if (type !== "job") return [];
  const job = asObject(raw);
  const others: unknown[] = Array.isArray(job?.task_configs) ? job.task_configs : [];
  const maxHops = hopLimit(job?.max_hops);
  if (others.length + 1 > maxHops) {
    const message =
      `the job lists ${others.length + 1} tasks (task_config and ${others.length} task_configs) but a chain runs at most ` +
      `${maxHops} (max_hops${job?.max_hops === undefined ? `, default ${DEFAULT_MAX_HOPS}` : ""}); list only the chain's tasks, ` +
      `or raise max_hops (at most ${MAX_HOPS_CEILING})`;
    return [{ path: "task_configs", message }];
  }
  return [
    ...stepCountIssues(asObject(job?.task_config), "task_config", limits),
    ...others.flatMap((task, i) => stepCountIssues(asObject(task), `task_configs[${i}]`, limits)),
  ];
}

/** A job's hop limit: its max_hops (at most the ceiling) when that is a whole number above 0, else the default. */
export function hopLimit(maxHops: unknown): number {
  return typeof maxHops === "number" && Number.isInteger(maxHops) && maxHops > 0 ? Math.min(maxHops, MAX_HOPS_CEILING) : DEFAULT_MAX_HOPS;
}

function stepCountIssues(task: Obj | undefined, at: string, limits: Limits): ConfigIssue[] {
  const steps = Array.isArray(task?.steps) ? task.steps.length : 0;
  if (steps <= limits.stepsPerTask) return [];
  const id = typeof task?.task_id === "string" ? ` ${JSON.stringify(task.task_id)}` : "";
  const message = `task${id} has ${steps} steps, over MAX_STEPS_PER_TASK (${limits.stepsPerTask}); split it into chained tasks (next_task)`;
  return [{ path: at ? `${at}.steps` : "steps", message }];
}
