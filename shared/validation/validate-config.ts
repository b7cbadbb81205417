// Parses a config (object or JSONC text) and checks it beyond shape; every problem comes back as `path: message`.
import type { z } from "zod";
import { BUILTIN_FUNCTIONS, type FunctionRegistry } from "../builtins/builtin-registry";
import { DEFAULT_LIMITS, type Limits } from "../limits";
import { DEFAULT_MODEL_TABLE, type ModelTable } from "../providers/model-table";
import { BATCH_API_PROVIDERS, type ProviderName } from "../providers/registry";
import { formatIssues, formatPath, joinPath, type ConfigIssue } from "../config/config-issue";
import {
  CONFIG_SCHEMAS,
  ParameterValueSchema,
  STEP_TYPE_FUNCTION_CALL,
  STEP_TYPE_MODEL_QUERY,
  toStepType,
  type ConfigOf,
  type ConfigType,
  type ParameterValue,
  type TaskConfig,
} from "../config/config-schemas";
import { countLimitIssues, hopLimit } from "../config/count-limits";
import { extractRuleIssues } from "../config/extract-rules";
import { followChain } from "../config/follow-chain";
import { parameterNames, toGenerationConfig } from "../config/generation-config";
import { parseJsonc } from "../config/jsonc";
import { providerParameterIssues } from "../providers/provider-parameters";
import { idProblem } from "../ids";

export interface ValidationContext {
  modelTable: ModelTable;
  functions: FunctionRegistry;
  /**
   * The deployment's limits (shared/limits.ts; DEFAULT_LIMITS when absent): steps per task, the prompt a step may be
   * written with (the engine checks it again after interpolation), the size of a regex rule.
   */
  limits?: Limits;
  /** Ids of task configs available outside a job (the `task_configs/` library); next_task may name them. */
  libraryTasks?: ReadonlyMap<string, TaskConfig>;
}

export const DEFAULT_VALIDATION: ValidationContext = {
  modelTable: DEFAULT_MODEL_TABLE,
  functions: BUILTIN_FUNCTIONS,
  limits: DEFAULT_LIMITS,
};

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: ConfigIssue[] };

export class ConfigError extends Error {
  constructor(
    readonly issues: ConfigIssue[],
    what = "config",
  ) {
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
  // Counts first: a config with too many tasks or steps is refused before any of its parts is parsed.
  const counted = countLimitIssues(type, raw, ctx.limits ?? DEFAULT_LIMITS);
  if (counted.length) return { ok: false, issues: counted };
  const schema = CONFIG_SCHEMAS[type] as unknown as z.ZodType<ConfigOf<T>>;
  const parsed = schema.safeParse(raw);
  // The semantic checks read the raw input, so a shape error elsewhere never hides them.
  const semantic = type === "step" ? checkStep(raw, "", ctx) : type === "task" ? checkTask(raw, "", ctx) : checkJob(raw, ctx);
  const issues = dedupe([...(parsed.success ? [] : zodIssues(parsed.error)), ...semantic]);
  return parsed.success && !issues.length ? { ok: true, value: parsed.data } : { ok: false, issues };
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

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

type Obj = Record<string, unknown>;
const asObject = (v: unknown): Obj | undefined => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined);
const asString = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

function checkStep(raw: unknown, at: string, ctx: ValidationContext): ConfigIssue[] {
  const step = asObject(raw);
  if (!step) return [];
  const issues: ConfigIssue[] = [];
  const stepType = toStepType(step.step_type);
  const query = asObject(step.model_query_config);
  const call = asObject(step.function_call_config);
  if (stepType === STEP_TYPE_MODEL_QUERY && step.model_query_config === undefined) {
    issues.push({ path: joinPath(at, "model_query_config"), message: "a model query step (step_type 0) needs model_query_config" });
  }
  if (stepType === STEP_TYPE_FUNCTION_CALL && step.function_call_config === undefined) {
    issues.push({ path: joinPath(at, "function_call_config"), message: "a function call step (step_type 1) needs function_call_config" });
  }
  const modelKey = asString(query?.model_key);
  if (modelKey && !ctx.modelTable[modelKey]) {
    issues.push({
      path: joinPath(at, "model_query_config.model_key"),
      message: `unknown model key ${JSON.stringify(modelKey)}; known: ${Object.keys(ctx.modelTable).join(", ")}`,
    });
  }
  const parameters = asObject(query?.parameters);
  if (parameters)
    issues.push(
      ...parameterIssues(
        parameters,
        modelKey ? ctx.modelTable[modelKey]?.provider : undefined,
        joinPath(at, "model_query_config.parameters"),
      ),
    );
  const extract = asObject(asObject(step.output_config)?.extract);
  if (extract) {
    const declared = (config: unknown) => asObject(asObject(config)?.payload) ?? {};
    const maxProgramSize = (ctx.limits ?? DEFAULT_LIMITS).regexProgramSize;
    for (const issue of extractRuleIssues(extract, declared(step.output_config), declared(step.input_config), maxProgramSize)) {
      issues.push({ path: joinPath(joinPath(at, "output_config.extract"), issue.path), message: issue.message });
    }
  }
  issues.push(...templateSizeIssues(query, call, at, (ctx.limits ?? DEFAULT_LIMITS).promptChars));
  const functionName = asString(call?.function_name);
  if (functionName && !ctx.functions[functionName]) {
    issues.push({
      path: joinPath(at, "function_call_config.function_name"),
      message: `unknown function ${JSON.stringify(functionName)}; known: ${Object.keys(ctx.functions).join(", ")}`,
    });
  }
  return issues;
}

/** A prompt or request longer than MAX_PROMPT_CHARS before interpolation can only be longer after it. */
function templateSizeIssues(query: Obj | undefined, call: Obj | undefined, at: string, limit: number): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const promptChars = (asString(query?.system_prompt)?.length ?? 0) + (asString(query?.user_prompt)?.length ?? 0);
  if (promptChars > limit) {
    issues.push({
      path: joinPath(at, "model_query_config.user_prompt"),
      message: `the prompt has ${promptChars} characters before interpolation, over the limit of ${limit} (MAX_PROMPT_CHARS)`,
    });
  }
  const requestChars = asString(call?.request)?.length ?? 0;
  if (requestChars > limit) {
    issues.push({
      path: joinPath(at, "function_call_config.request"),
      message: `the request has ${requestChars} characters before interpolation, over the limit of ${limit} (MAX_PROMPT_CHARS)`,
    });
  }
  return issues;
}

/** Each parameter's type and range, then, when the model key resolves, whether its provider takes it. */
function parameterIssues(parameters: Obj, provider: ProviderName | undefined, at: string): ConfigIssue[] {
  const valid = Object.fromEntries(Object.entries(parameters).filter(([, v]) => ParameterValueSchema.safeParse(v).success)) as Record<
    string,
    ParameterValue
  >;
  const converted = toGenerationConfig(valid);
  const issues = provider
    ? [...converted.issues, ...providerParameterIssues(provider, converted.config, parameterNames(valid))]
    : converted.issues;
  return issues.map((issue) => ({ path: joinPath(at, issue.path), message: issue.message }));
}

function checkTask(raw: unknown, at: string, ctx: ValidationContext): ConfigIssue[] {
  const task = asObject(raw);
  if (!task) return [];
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  const steps = Array.isArray(task.steps) ? task.steps : [];
  steps.forEach((step, i) => {
    const stepAt = joinPath(at, `steps[${i}]`);
    issues.push(...checkStep(step, stepAt, ctx));
    const id = asString(asObject(step)?.id);
    if (id) {
      issues.push(...idIssues(id, "a step id", joinPath(stepAt, "id")));
      const first = seen.get(id);
      if (first !== undefined)
        issues.push({ path: joinPath(stepAt, "id"), message: `duplicate step id ${JSON.stringify(id)} (also steps[${first}])` });
      else seen.set(id, i);
    }
  });
  const taskId = asString(task.task_id);
  if (taskId) issues.push(...idIssues(taskId, "a task_id", joinPath(at, "task_id")));
  const nextTask = asString(task.next_task);
  const badNext = nextTask ? idProblem(nextTask) : undefined;
  if (badNext) issues.push({ path: joinPath(at, "next_task"), message: `${JSON.stringify(nextTask)} cannot name a task: ${badNext}` });
  if (task.next_task && task.next_task === taskId) {
    issues.push({
      path: joinPath(at, "next_task"),
      message: `a task cannot be its own next task (${JSON.stringify(taskId)}); loops are not supported`,
    });
  }
  return issues;
}

function checkJob(raw: unknown, ctx: ValidationContext): ConfigIssue[] {
  const job = asObject(raw);
  if (!job) return [];
  const entry = asObject(job.task_config);
  const others = Array.isArray(job.task_configs) ? job.task_configs.map(asObject) : [];
  const issues = checkTask(entry, "task_config", ctx);
  const jobId = asString(job.job_id);
  if (jobId) issues.push(...idIssues(jobId, "a job_id", "job_id"));
  const inJob = new Map<string, string>();
  const entryId = asString(entry?.task_id);
  if (entryId !== undefined) inJob.set(entryId, "task_config");
  let linkable = entry !== undefined;
  others.forEach((task, i) => {
    const at = `task_configs[${i}]`;
    issues.push(...checkTask(task, at, ctx));
    const id = asString(task?.task_id);
    if (!task) linkable = false;
    else if (!id) {
      issues.push({ path: `${at}.task_id`, message: "a chained task needs a task_id for next_task to name it" });
      linkable = false;
    } else if (inJob.has(id)) {
      issues.push({ path: `${at}.task_id`, message: `duplicate task_id ${JSON.stringify(id)} (also ${inJob.get(id)})` });
      linkable = false;
    } else inJob.set(id, at);
  });
  // Links can only be followed when every task is uniquely named.
  if (linkable) issues.push(...checkChain(entry!, others as Obj[], job.max_hops, ctx));
  if (job.execution === "provider_batch")
    issues.push(...batchModeIssues([["task_config", entry], ...others.map((t, i) => [`task_configs[${i}]`, t] as const)], ctx));
  return issues;
}

/** Provider batch mode: every model step's provider must have a batch API it can use (Vertex AI's needs Cloud Storage). */
function batchModeIssues(tasks: readonly (readonly [string, Obj | undefined])[], ctx: ValidationContext): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const [at, task] of tasks) {
    const steps = Array.isArray(task?.steps) ? task.steps : [];
    steps.forEach((raw, i) => {
      const key = asString(asObject(asObject(raw)?.model_query_config)?.model_key);
      const provider = key ? ctx.modelTable[key]?.provider : undefined;
      if (!provider || BATCH_API_PROVIDERS.includes(provider)) return;
      issues.push({
        path: `${at}.steps[${i}].model_query_config.model_key`,
        message: `model key ${JSON.stringify(key)} is served by ${provider}, which provider batch mode cannot use (Vertex AI batch prediction needs Cloud Storage input and output, which this deployment does not manage); use a model of ${BATCH_API_PROVIDERS.join(", ")}, or "execution": "synchronous"`,
      });
    });
  }
  return issues;
}

/**
 * Follows next_task from the entry task: every link must resolve, no task may come twice, and the chain stays within
 * its hop limit (max_hops, else DEFAULT_MAX_HOPS). Linear (follow-chain.ts), and it stops at the limit.
 */
function checkChain(entry: Obj, others: Obj[], maxHops: unknown, ctx: ValidationContext): ConfigIssue[] {
  const byId = new Map(others.map((t, i) => [asString(t.task_id)!, { task: t, at: `task_configs[${i}]` }]));
  const find = (id: string) => {
    const library = byId.has(id) ? undefined : ctx.libraryTasks?.get(id);
    return byId.get(id) ?? (library && { task: library as unknown as Obj, at: `task_configs library ${JSON.stringify(id)}` });
  };
  const limit = hopLimit(maxHops);
  const walk = followChain(
    { id: asString(entry.task_id) ?? "", task: { task: entry, at: "task_config" } },
    (link) => asString(link.task.next_task),
    find,
    limit,
  );
  const path = `${walk.chain[walk.chain.length - 1]!.at}.next_task`;
  switch (walk.end) {
    case "complete":
    case "self": // a task naming itself is reported by checkTask
      return [];
    case "cycle":
      return [{ path, message: `the chain has a cycle: ${[...walk.ids, walk.nextId].map((id) => JSON.stringify(id)).join(" -> ")}` }];
    case "dangling":
      return [
        {
          path,
          message: `next_task ${JSON.stringify(walk.nextId)} names no task in this job's task_configs${ctx.libraryTasks ? " nor in the task_configs library" : ""}`,
        },
      ];
    case "too_long":
      return [hopIssue(limit, maxHops)];
  }
}

function hopIssue(limit: number, maxHops: unknown): ConfigIssue {
  const given = maxHops === undefined ? `its hop limit is ${limit} (the default; set max_hops to raise it)` : `max_hops is ${limit}`;
  return { path: "max_hops", message: `the chain has more than ${limit} tasks but ${given}` };
}

/** A user-chosen id that breaks the id rule (shared/ids.ts), as the issue at its path; the id is used as it is. */
function idIssues(id: string, what: string, path: string): ConfigIssue[] {
  const problem = idProblem(id);
  return problem ? [{ path, message: `${JSON.stringify(id)} cannot be ${what}: ${problem}` }] : [];
}
