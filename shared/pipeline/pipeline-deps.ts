// What the pipeline needs from its driver (the Cloud Function, a test, a tool): Firestore, the engine, policy.
import type { Firestore } from "firebase-admin/firestore";
import type { ValidationContext } from "../validation/validate-config";
import type { EngineOptions } from "../engine/engine-options";
import type { RunningJobs } from "./running-jobs";

export interface PipelinePolicy {
  /** How long a claim holds before another delivery may take the task over. Longer than the function timeout. */
  leaseMs: number;
  /** Time budget of one task run; retries stop so that the result is written before the function is killed. */
  runBudgetMs: number;
  /** Starts of one task after which it is failed instead of run again (crash loops). */
  maxAttempts: number;
  /** Hop limit for chains of bare tasks (jobs set max_hops, default DEFAULT_MAX_HOPS). */
  maxHops: number;
  /**
   * How long a task may stay `queued` (and a job `running` without progress) before the sweep sees to it: longer
   * than the longest redelivery backoff (600 s), so that an event still being retried is never raced for nothing.
   */
  queuedGraceMs: number;
  /**
   * Whether a task that succeeded on its first delivery gets a log line too (TASK_LOG=all). By default the log holds
   * what needs a look (a failure, a redelivery, a take-over, a lost finish): the task documents record every task.
   */
  logEveryTask: boolean;
  /** USD one owner's runs may spend in a UTC day (LIMITS.dailySpendCeilingUsd); 0 or absent for no ceiling. */
  dailySpendCeilingUsd?: number;
  /** Hours a task may wait on a vendor batch (LIMITS.batchMaxWaitHours) before the sweep ends it; its default when absent. */
  batchMaxWaitHours?: number;
  /** Days an answer stays in the response store (LIMITS.responseTtlDays); its default when absent. */
  responseTtlDays?: number;
}

/** The event-function maximum, which the deployed triggers use (functions/src/index.ts). */
export const EVENT_FUNCTION_TIMEOUT_MS = 540_000;

/** Kept free at the end of an invocation, after the run budget, to write the result. */
export const FINISH_RESERVE_MS = 60_000;

/**
 * One task per invocation, so a task's run may take the whole 540 s event-function timeout less the 60 s kept
 * to write its result: 480 s for the many model calls, retries and rate-limit waits of a long task. The lease
 * outlasts the timeout, so a live run is never taken over.
 */
export const DEFAULT_POLICY: PipelinePolicy = {
  leaseMs: 600_000,
  runBudgetMs: EVENT_FUNCTION_TIMEOUT_MS - FINISH_RESERVE_MS,
  maxAttempts: 3,
  maxHops: 100,
  queuedGraceMs: 900_000,
  logEveryTask: false,
};

export interface PipelineDeps {
  db: Firestore;
  engine: EngineOptions;
  validation: ValidationContext;
  policy: PipelinePolicy;
  now?: () => number;
  log?: (message: string, fields?: Record<string, unknown>, severity?: "info" | "warning") => void;
  /** The jobs this instance read while they run: a later task of the same run claims without reading its job. */
  runningJobs?: RunningJobs;
  /** Provider batch mode's queues (docs/provider-batch.md); absent, a job in that mode fails with config_error. */
  providerBatch?: ProviderBatchDriver;
}

export interface ProviderBatchDriver {
  /** Runs a parked task again (one task per invocation), once per task and key. */
  resume(taskDocId: string, key: string): Promise<void>;
  /** Has the collector run soon (parks share one round). */
  schedulePoll(): Promise<void>;
}

/** What claiming and finishing a task need: enough to end a task failed when the engine could not be built. */
export type TaskDocDeps = Pick<PipelineDeps, "db" | "validation" | "policy" | "now" | "log" | "runningJobs">;
