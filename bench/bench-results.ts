// The shape of a benchmark run's results, and the figures the issue names, pulled out of each benchmark's details.
import type { BatchSubmitResult } from "./batch-submit";
import type { BatchThroughputResult } from "./batch-throughput";
import type { ColdStartResult } from "./cold-start";
import type { EngineOverheadResult } from "./engine-overhead";
import type { FirestoreCostResult } from "./firestore-cost";
import type { HopLatencyResult } from "./hop-latency";
import type { ResponseCacheResult } from "./response-cache";

export interface BenchDetails {
  engine_overhead?: EngineOverheadResult;
  hop_latency?: HopLatencyResult;
  firestore_cost?: FirestoreCostResult;
  batch_throughput?: BatchThroughputResult;
  cold_start?: ColdStartResult;
  batch_submit?: BatchSubmitResult;
  response_cache?: ResponseCacheResult;
}
export type BenchName = keyof BenchDetails;
export const BENCH_NAMES: readonly BenchName[] = [
  "engine_overhead",
  "hop_latency",
  "firestore_cost",
  "batch_throughput",
  "cold_start",
  "batch_submit",
  "response_cache",
];
/** The benchmarks that need the Firestore, Functions and Cloud Tasks emulators, in the order they run. */
export const EMULATOR_BENCHES: readonly BenchName[] = [
  "hop_latency",
  "firestore_cost",
  "batch_throughput",
  "response_cache",
  "batch_submit",
];

/** The keys the issue names, per benchmark, in the order the table prints them. */
export const FIGURE_KEYS = {
  engine_overhead: ["engine_us_per_step", "langchain_us_per_step", "overhead_ratio"],
  hop_latency: ["hop_ms_p50", "hop_ms_p95", "hop_floor_ms", "hop_floor_ratio", "bare_hop_ms_p50", "hop_ratio"],
  firestore_cost: ["reads_per_task", "writes_per_task"],
  batch_throughput: [
    "batch_rows",
    "batch_seconds",
    "rate_bound_seconds",
    "throughput_ratio",
    "batch_failed",
    "throttled_ratio",
    "unpaced_seconds",
    "unpaced_throughput_ratio",
    "unpaced_throttled_ratio",
    "unpaced_failed",
  ],
  cold_start: ["cold_start_ms", "bare_cold_start_ms", "cold_start_ratio", "bundle_bytes"],
  batch_submit: ["batch_submit_rows", "batch_submit_seconds", "batch_submit_rows_per_s", "batch_submit_peak_mb"],
  response_cache: [
    "cache_rows",
    "first_pass_model_calls",
    "cached_rerun_model_calls",
    "changed_step_rerun_model_calls",
    "first_pass_seconds",
    "cached_rerun_seconds",
    "changed_step_rerun_seconds",
    "cache_failed_runs",
  ],
} as const satisfies { [B in BenchName]: readonly (keyof NonNullable<BenchDetails[B]>)[] };

export type Figures = Record<string, number>;

export function figuresOf(details: BenchDetails): Figures {
  const figures: Figures = {};
  for (const name of BENCH_NAMES) {
    const result = details[name] as Record<string, unknown> | undefined;
    if (!result) continue;
    // NaN (a ratio with no bound) comes back from JSON as null: keep it NaN, never 0.
    for (const key of FIGURE_KEYS[name]) figures[key] = typeof result[key] === "number" ? result[key] : Number.NaN;
  }
  return figures;
}
