// The goals, each judged PASS, MISS or NOT RUN against a run's figures.
import type { Figures } from "./bench-results";
import { MODEL_STEPS_PER_ROW } from "./response-cache";

export type GoalStatus = "PASS" | "MISS" | "NOT RUN";

export interface Goal {
  /** The goal as the table prints it. */
  text: string;
  /** The figures it reads; NOT RUN when any is missing. */
  keys: readonly string[];
  met(f: Figures): boolean;
}

export interface GoalResult {
  goal: string;
  status: GoalStatus;
  /** The figures it was judged on. */
  values: Record<string, number>;
}

export const GOALS: readonly Goal[] = [
  {
    text: "overhead_ratio <= 0.2 and engine_us_per_step < 10",
    keys: ["overhead_ratio", "engine_us_per_step"],
    met: (f) => f.overhead_ratio! <= 0.2 && f.engine_us_per_step! < 10,
  },
  { text: "hop_floor_ratio <= 1.25", keys: ["hop_floor_ratio"], met: (f) => f.hop_floor_ratio! <= 1.25 },
  {
    text: "writes_per_task <= 5 and reads_per_task <= 1 (a task in a job)",
    keys: ["writes_per_task", "reads_per_task"],
    met: (f) => f.writes_per_task! <= 5 && f.reads_per_task! <= 1,
  },
  {
    text: "throughput_ratio >= 0.9 and batch_failed = 0 (the batch path)",
    keys: ["throughput_ratio", "batch_failed"],
    met: (f) => f.throughput_ratio! >= 0.9 && f.batch_failed === 0,
  },
  { text: "throttled_ratio <= 0.02 (429 answers / model calls)", keys: ["throttled_ratio"], met: (f) => f.throttled_ratio! <= 0.02 },
  { text: "cold_start_ratio <= 1.5", keys: ["cold_start_ratio"], met: (f) => f.cold_start_ratio! <= 1.5 },
  {
    text: "batch_submit_rows_per_s >= 500 and batch_submit_peak_mb < 300",
    keys: ["batch_submit_rows_per_s", "batch_submit_peak_mb"],
    met: (f) => f.batch_submit_rows_per_s! >= 500 && f.batch_submit_peak_mb! < 300,
  },
  {
    text: "cached_rerun_model_calls = 0 and changed_step_rerun_model_calls = cache_rows (one call per row)",
    keys: ["cached_rerun_model_calls", "changed_step_rerun_model_calls", "cache_rows"],
    met: (f) => f.cached_rerun_model_calls === 0 && f.changed_step_rerun_model_calls === f.cache_rows,
  },
  {
    text: "cache_failed_runs = 0 and first_pass_model_calls = 2 x cache_rows (every call paid once)",
    keys: ["cache_failed_runs", "first_pass_model_calls", "cache_rows"],
    met: (f) => f.cache_failed_runs === 0 && f.first_pass_model_calls === MODEL_STEPS_PER_ROW * f.cache_rows!,
  },
];

export function judgeGoals(figures: Figures): GoalResult[] {
  return GOALS.map((goal) => {
    const values = Object.fromEntries(goal.keys.map((k) => [k, figures[k]!]));
    const missing = goal.keys.some((k) => figures[k] === undefined || Number.isNaN(figures[k]));
    return { goal: goal.text, status: missing ? "NOT RUN" : goal.met(figures) ? "PASS" : "MISS", values };
  });
}
