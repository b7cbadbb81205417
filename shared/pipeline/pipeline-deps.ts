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
}

/** Fits the 540 s event-function limit: 480 s of work, 60 s to write the result, lease past the timeout. */
export const DEFAULT_POLICY: PipelinePolicy = { leaseMs: 600_000, runBudgetMs: 480_000, maxAttempts: 3, maxHops: 100 };

export interface PipelineDeps {
  db: Firestore;
  engine: EngineOptions;
  validation: ValidationContext;
  policy: PipelinePolicy;
  now?: () => number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}
