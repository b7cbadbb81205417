// What the pipeline needs from its driver (the Cloud Function, a test, a tool): Firestore, the engine, policy.
import type { Firestore } from "firebase-admin/firestore";
import type { ValidationContext } from "../config/validate-config";
import type { EngineOptions } from "../engine/run-step";

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
   * Whether an invocation that finished a job's task goes on to run its successor (created already claimed)
   * while a whole run budget still fits in the invocation; the successor's own trigger is then its backstop.
   * Off: every task runs in the invocation of its own trigger.
   */
  continueChains: boolean;
}

/** The event-function maximum, which the deployed triggers use (functions/src/index.ts). */
export const EVENT_FUNCTION_TIMEOUT_MS = 540_000;

/** Kept free at the end of an invocation, after the run budget, to write the result. */
export const FINISH_RESERVE_MS = 60_000;

/**
 * Fits the 540 s event-function limit: 240 s of work and 60 s to write the result, so a chain may go on in
 * the same invocation during its first 240 s; the lease outlasts the timeout.
 */
export const DEFAULT_POLICY: PipelinePolicy = { leaseMs: 600_000, runBudgetMs: 240_000, maxAttempts: 3, maxHops: 100, continueChains: true };

export interface PipelineDeps {
  db: Firestore;
  engine: EngineOptions;
  validation: ValidationContext;
  policy: PipelinePolicy;
  now?: () => number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}
