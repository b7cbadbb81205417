// Assembles the pipeline's dependencies from the environment; shared by the Cloud Functions, tools and tests.
import { createFirestoreSink } from "../builtins/firestore-sink";
import { createRuntime, type Runtime, type StandinHandle } from "../runtime/create-runtime";
import { DEFAULT_VALIDATION } from "../validation/validate-config";
import { readLimits } from "../limits";
import type { TaskError } from "./finish-task";
import { getDb } from "./firestore";
import { startUpError } from "./handle-task-created";
import { createRunningJobs } from "./running-jobs";
import { validationFromEnv } from "./validation-from-env";
import {
  DEFAULT_POLICY,
  EVENT_FUNCTION_TIMEOUT_MS,
  FINISH_RESERVE_MS,
  type PipelineDeps,
  type PipelinePolicy,
  type TaskDocDeps,
} from "./pipeline-deps";

export interface PipelineRuntime {
  deps: PipelineDeps;
  runtime: Runtime<StandinHandle>;
}

/** Policy numbers may be shortened through the environment, for tests of leases and deadlines. */
export function policyFromEnv(env: NodeJS.ProcessEnv): PipelinePolicy {
  const num = (name: string, fallback: number) => {
    const value = Number(env[name]);
    return env[name] && Number.isFinite(value) && value > 0 ? value : fallback;
  };
  return {
    leaseMs: num("TASK_LEASE_MS", DEFAULT_POLICY.leaseMs),
    runBudgetMs: num("TASK_RUN_BUDGET_MS", DEFAULT_POLICY.runBudgetMs),
    maxAttempts: num("TASK_MAX_ATTEMPTS", DEFAULT_POLICY.maxAttempts),
    maxHops: num("TASK_MAX_HOPS", DEFAULT_POLICY.maxHops),
    queuedGraceMs: num("TASK_QUEUED_GRACE_MS", DEFAULT_POLICY.queuedGraceMs),
    logEveryTask: env.TASK_LOG === "all",
  };
}

/** `startStandin`: for local drivers only (see createRuntime); deployed functions pass none. */
export async function createPipelineRuntime(
  env: NodeJS.ProcessEnv = process.env,
  log?: PipelineDeps["log"],
  startStandin?: () => Promise<StandinHandle>,
): Promise<PipelineRuntime> {
  const db = await getDb();
  const limits = readLimits(env);
  const runtime = await createRuntime({ env, sink: createFirestoreSink(db), ...(startStandin ? { startStandin } : {}) });
  const deps: PipelineDeps = {
    db,
    engine: runtime.engine,
    validation: validationFromEnv(env),
    // Not in policyFromEnv: a bad setting stops start-up here, and startUpFailure (which reads the policy) must not throw.
    policy: {
      ...policyFromEnv(env),
      dailySpendCeilingUsd: limits.dailySpendCeilingUsd,
      responseTtlDays: limits.responseTtlDays,
      batchMaxWaitHours: limits.batchMaxWaitHours,
    },
    runningJobs: createRunningJobs(),
    ...(log ? { log } : {}),
  };
  runtime.banner.push(...policyWarnings(env, deps.policy));
  return { deps, runtime };
}

/** Settings that would let the pipeline misbehave, each as a warning line for the start-up banner. */
export function policyWarnings(env: NodeJS.ProcessEnv, policy: PipelinePolicy): string[] {
  const warnings: string[] = [];
  if (env.TASK_LOG && !["all", "problems"].includes(env.TASK_LOG)) {
    warnings.push(`warning: TASK_LOG is ${JSON.stringify(env.TASK_LOG)}; use all (a line per task) or problems (the default)`);
  }
  if (policy.leaseMs <= policy.runBudgetMs) {
    warnings.push(
      `warning: TASK_LEASE_MS (${policy.leaseMs}) is not longer than TASK_RUN_BUDGET_MS (${policy.runBudgetMs}): a live run may be taken over and its model calls made twice`,
    );
  }
  if (policy.runBudgetMs + FINISH_RESERVE_MS > EVENT_FUNCTION_TIMEOUT_MS) {
    warnings.push(
      `warning: TASK_RUN_BUDGET_MS (${policy.runBudgetMs}) leaves less than ${FINISH_RESERVE_MS / 1000} s of the ${EVENT_FUNCTION_TIMEOUT_MS / 1000} s function timeout to write a task's result; at most ${EVENT_FUNCTION_TIMEOUT_MS - FINISH_RESERVE_MS}`,
    );
  }
  return warnings;
}

/**
 * What a trigger needs to end a task when the pipeline could not be built: the error, as `config_error` with the
 * start-up's own message, and the few dependencies that claiming and finishing take (default validation).
 */
export async function startUpFailure(env: NodeJS.ProcessEnv, err: unknown): Promise<{ deps: TaskDocDeps; error: TaskError }> {
  const deps: TaskDocDeps = { db: await getDb(), validation: DEFAULT_VALIDATION, policy: policyFromEnv(env) };
  return { deps, error: startUpError(err) };
}
