// Parses a config (object or JSONC text) and checks it beyond shape; every problem comes back as `path: message`.
import type { z } from "zod";
import { BUILTIN_FUNCTIONS, type FunctionRegistry } from "../builtins/builtin-registry";
import { DEFAULT_MODEL_TABLE, type ModelTable } from "../models/model-table";
import { formatIssues, formatPath, joinPath, type ConfigIssue } from "./config-issue";
import { CONFIG_SCHEMAS, STEP_TYPE_MODEL_QUERY, type ConfigOf, type ConfigType, type JobConfig, type StepConfig, type TaskConfig } from "./config-schemas";
import { toGenerationConfig } from "./generation-config";
import { parseJsonc } from "./jsonc";

export interface ValidationContext {
  modelTable: ModelTable;
  functions: FunctionRegistry;
  /** Ids of task configs available outside a job (the `task_configs/` library); next_task may name them. */
  libraryTasks?: ReadonlyMap<string, TaskConfig>;
}

export const DEFAULT_VALIDATION: ValidationContext = { modelTable: DEFAULT_MODEL_TABLE, functions: BUILTIN_FUNCTIONS };

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: ConfigIssue[] };

export class ConfigError extends Error {
  constructor(readonly issues: ConfigIssue[], what = "config") {
    super(`invalid ${what}:\n${formatIssues(issues)}`);
    this.name = "ConfigError";
  }
}

export function parseConfigText<T extends ConfigType>(type: T, text: string, ctx = DEFAULT_VALIDATION): ParseResult<ConfigOf<T>> {
  let raw: unknown;
  try {
    raw = parseJsonc(text);
  } catch (err) {
    return { ok: false, issues: [{ path: "", message: (err as Error).message }] };
  }
  return parseConfig(type, raw, ctx);
}

export function parseConfig<T extends ConfigType>(type: T, raw: unknown, ctx = DEFAULT_VALIDATION): ParseResult<ConfigOf<T>> {
  const schema = CONFIG_SCHEMAS[type] as unknown as z.ZodType<ConfigOf<T>>;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return { ok: false, issues: zodIssues(parsed.error) };
  const value = parsed.data;
  const issues =
    type === "step"
      ? checkStep(value as StepConfig, "", ctx)
      : type === "task"
        ? checkTask(value as TaskConfig, "", ctx)
        : checkJob(value as JobConfig, ctx);
  return issues.length ? { ok: false, issues } : { ok: true, value };
}

export function zodIssues(error: z.ZodError, prefix = ""): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of error.issues) {
    const path = joinPath(prefix, formatPath(issue.path));
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) out.push({ path: joinPath(path, formatPath([key])), message: "unknown field (check its spelling)" });
    } else if (issue.code === "invalid_union" && issue.errors.length) {
      // Report the branch that got furthest rather than zod's bare "Invalid input".
      const best = issue.errors.reduce((a, b) => (depth(b) > depth(a) ? b : a));
      out.push(...best.map((sub) => ({ path: joinPath(path, formatPath(sub.path)), message: sub.message })));
    } else {
      out.push({ path, message: issue.message });
    }
  }
  return out;
}

const depth = (issues: readonly { path: readonly PropertyKey[] }[]) => Math.max(0, ...issues.map((i) => i.path.length));

function checkStep(step: StepConfig, at: string, ctx: ValidationContext): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (step.step_type === STEP_TYPE_MODEL_QUERY) {
    const query = step.model_query_config!;
    if (!ctx.modelTable[query.model_key]) {
      issues.push({
        path: joinPath(at, "model_query_config.model_key"),
        message: `unknown model key ${JSON.stringify(query.model_key)}; known: ${Object.keys(ctx.modelTable).join(", ")}`,
      });
    }
    for (const issue of toGenerationConfig(query.parameters).issues) {
      issues.push({ path: joinPath(joinPath(at, "model_query_config.parameters"), issue.path), message: issue.message });
    }
  } else {
    const name = step.function_call_config!.function_name;
    if (!ctx.functions[name]) {
      issues.push({
        path: joinPath(at, "function_call_config.function_name"),
        message: `unknown function ${JSON.stringify(name)}; known: ${Object.keys(ctx.functions).join(", ")}`,
      });
    }
  }
  return issues;
}

function checkTask(task: TaskConfig, at: string, ctx: ValidationContext): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  task.steps.forEach((step, i) => {
    const stepAt = joinPath(at, `steps[${i}]`);
    issues.push(...checkStep(step, stepAt, ctx));
    if (step.id) {
      const first = seen.get(step.id);
      if (first !== undefined) issues.push({ path: joinPath(stepAt, "id"), message: `duplicate step id ${JSON.stringify(step.id)} (also steps[${first}])` });
      else seen.set(step.id, i);
    }
  });
  if (task.next_task && task.next_task === task.task_id) {
    issues.push({ path: joinPath(at, "next_task"), message: `a task cannot be its own next task (${JSON.stringify(task.task_id)}); loops are not supported` });
  }
  return issues;
}

function checkJob(job: JobConfig, ctx: ValidationContext): ConfigIssue[] {
  const issues = checkTask(job.task_config, "task_config", ctx);
  const inJob = new Map<string, string>([[job.task_config.task_id, "task_config"]]);
  job.task_configs.forEach((task, i) => {
    const at = `task_configs[${i}]`;
    issues.push(...checkTask(task, at, ctx));
    if (!task.task_id) issues.push({ path: `${at}.task_id`, message: "a chained task needs a task_id for next_task to name it" });
    else if (inJob.has(task.task_id)) issues.push({ path: `${at}.task_id`, message: `duplicate task_id ${JSON.stringify(task.task_id)} (also ${inJob.get(task.task_id)})` });
    else inJob.set(task.task_id, at);
  });
  if (issues.length) return issues;
  return checkChain(job, ctx);
}

/** Follows next_task from the entry task: every link must resolve, and no task may come twice. */
function checkChain(job: JobConfig, ctx: ValidationContext): ConfigIssue[] {
  const byId = new Map(job.task_configs.map((t, i) => [t.task_id, { task: t, at: `task_configs[${i}]` }]));
  const visited: string[] = [job.task_config.task_id];
  let current: { task: TaskConfig; at: string } = { task: job.task_config, at: "task_config" };
  while (current.task.next_task) {
    const nextId = current.task.next_task;
    const path = `${current.at}.next_task`;
    if (visited.includes(nextId)) {
      return [{ path, message: `the chain has a cycle: ${[...visited, nextId].map((id) => JSON.stringify(id)).join(" -> ")}` }];
    }
    const inJob = byId.get(nextId);
    const library = inJob ? undefined : ctx.libraryTasks?.get(nextId);
    if (!inJob && !library) {
      return [{ path, message: `next_task ${JSON.stringify(nextId)} names no task in this job's task_configs${ctx.libraryTasks ? " nor in the task_configs library" : ""}` }];
    }
    visited.push(nextId);
    current = inJob ?? { task: library!, at: `task_configs library ${JSON.stringify(nextId)}` };
  }
  if (job.max_hops !== undefined && visited.length > job.max_hops) {
    return [{ path: "max_hops", message: `the chain has ${visited.length} tasks but max_hops is ${job.max_hops}` }];
  }
  return [];
}
