// The in-process benchmarks run once with tiny sizes, and the table and goals read their figures right: so `npm run bench` cannot rot.
import { describe, expect, it } from "vitest";
import { figuresOf, type BenchDetails } from "../../bench/bench-results";
import { SMOKE_SIZES } from "../../bench/bench-sizes";
import { BARE_TRIGGER_MODULE, measureColdStart } from "../../bench/cold-start";
import { BARE_CODEBASE, benchFirebaseConfig } from "../../bench/emulator-session";
import { measureEngineOverhead } from "../../bench/engine-overhead";
import { formatTable } from "../../bench/format-table";
import { judgeGoals, type GoalStatus } from "../../bench/goals";
import { median, percentile } from "../../bench/stats";

describe("bench smoke (tiny sizes; the figures are not measurements)", () => {
  it("engine overhead runs the sample task on the engine and on LangChain, the same number of model calls each", async () => {
    // measureEngineOverhead throws when the two executors made different numbers of calls or a run failed.
    const result = await measureEngineOverhead(SMOKE_SIZES.engine_overhead);
    expect(result.steps_per_run).toBe(3);
    for (const key of ["engine_us_per_step", "langchain_us_per_step", "langchain_lcel_us_per_step", "overhead_ratio"] as const) {
      expect(result[key]).toBeGreaterThan(0);
    }
  });

  it("cold start loads a module in fresh Node processes and reports its size", async () => {
    // The bare module against itself: the unit suite runs before `npm run build`, so the bundle may not exist yet.
    const result = await measureColdStart({ ...SMOKE_SIZES.cold_start, entry: BARE_TRIGGER_MODULE, bare: BARE_TRIGGER_MODULE });
    expect(result.cold_start_ms).toBeGreaterThan(0);
    expect(result.bare_cold_start_ms).toBeGreaterThan(0);
    expect(result.bundle_bytes).toBeGreaterThan(0);
  });

  it("cold start says which file is missing when the bundle was not built", async () => {
    await expect(measureColdStart({ repeats: 1, entry: "functions/lib/no-such-bundle.js" })).rejects.toThrow(
      /no-such-bundle\.js is missing; run `npm run build`/,
    );
  });
});

describe("bench reporting", () => {
  it("median and nearest-rank percentiles", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 95)).toBe(100);
    expect(percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 50)).toBe(50);
    expect(Number.isNaN(median([]))).toBe(true);
  });

  it("judges each goal PASS, MISS or NOT RUN from the figures, and prints one line per goal", () => {
    const figures = figuresOf({
      engine_overhead: {
        engine_us_per_step: 3,
        langchain_us_per_step: 30,
        overhead_ratio: 0.1,
        langchain_lcel_us_per_step: 70,
        steps_per_run: 3,
        runs: 1,
        repeats: 1,
      },
      firestore_cost: {
        reads_per_task: 2,
        writes_per_task: 5,
        bare_reads_per_task: 2,
        bare_writes_per_task: 3,
        job_start_reads: 1,
        job_start_writes: 2,
        mean_reads_per_task: 3,
        mean_writes_per_task: 5,
        ops: { middle_task: [], last_task: [], bare_task: [], job_start: [] },
        tasks_in_job: 5,
      },
    });
    const goals = judgeGoals(figures);
    expect(goals.map((g) => g.status)).toEqual([
      "PASS",
      "NOT RUN",
      "MISS",
      "NOT RUN",
      "NOT RUN",
      "NOT RUN",
      "NOT RUN",
      "NOT RUN",
      "NOT RUN",
    ]);
    const table = formatTable(figures, goals, { cold_start: "functions/lib/index.js is missing" });
    expect(table).toMatch(/engine_us_per_step\s+3\n/);
    expect(table).toContain("PASS    overhead_ratio <= 0.2 and engine_us_per_step < 10  (overhead_ratio 0.1, engine_us_per_step 3)");
    expect(table).toContain(
      "MISS    writes_per_task <= 5 and reads_per_task <= 1 (a task in a job)  (writes_per_task 5, reads_per_task 2)",
    );
    expect(table).toContain("NOT RUN: functions/lib/index.js is missing");
    expect(table.split("\n").filter((line) => /^ {2}(PASS|MISS|NOT RUN) /.test(line))).toHaveLength(9);
  });

  it("judges the batch goals: the batch path's throughput without failures, 429s under 2%, a 10,000-row submit at 500 rows/s in under 300 MB", () => {
    const judged = (figures: Record<string, number>) =>
      Object.fromEntries(judgeGoals(figures).map((g): [string, GoalStatus] => [g.goal.split(" ")[0]!, g.status]));
    expect(
      judged({ throughput_ratio: 0.95, batch_failed: 0, throttled_ratio: 0.01, batch_submit_rows_per_s: 800, batch_submit_peak_mb: 150 }),
    ).toMatchObject({ throughput_ratio: "PASS", throttled_ratio: "PASS", batch_submit_rows_per_s: "PASS" });
    expect(
      judged({ throughput_ratio: 0.95, batch_failed: 1, throttled_ratio: 0.03, batch_submit_rows_per_s: 800, batch_submit_peak_mb: 300 }),
    ).toMatchObject({ throughput_ratio: "MISS", throttled_ratio: "MISS", batch_submit_rows_per_s: "MISS" });
  });

  it("judges the response store against the rows of the run: a rerun pays nothing, a changed second task one call a row, none failed", () => {
    const judged = (figures: Record<string, number>) =>
      judgeGoals(figures)
        .filter((g) => g.goal.startsWith("cache"))
        .map((g) => g.status);
    const smoke = {
      cache_rows: 4,
      first_pass_model_calls: 8,
      cached_rerun_model_calls: 0,
      changed_step_rerun_model_calls: 4,
      cache_failed_runs: 0,
    };
    expect(judged(smoke)).toEqual(["PASS", "PASS"]);
    // 500 is the full run's rows, not a constant: the smoke run's 4 rows are judged against 4.
    expect(judged({ ...smoke, changed_step_rerun_model_calls: 500 })).toEqual(["MISS", "PASS"]);
    expect(judged({ ...smoke, cached_rerun_model_calls: 1 })).toEqual(["MISS", "PASS"]);
    // A changed step that paid for its predecessor too is a miss, as is a first pass that shared answers between rows.
    expect(judged({ ...smoke, changed_step_rerun_model_calls: 8 })).toEqual(["MISS", "PASS"]);
    expect(judged({ ...smoke, first_pass_model_calls: 7 })).toEqual(["PASS", "MISS"]);
    expect(judged({ ...smoke, cache_failed_runs: 1 })).toEqual(["PASS", "MISS"]);
    expect(judged({ cache_rows: 4 })).toEqual(["NOT RUN", "NOT RUN"]);
  });

  it("a ratio with no bound (NaN, null in JSON) stays not-a-number, never 0, so its goal is NOT RUN", () => {
    const fromJson = JSON.parse(
      JSON.stringify({
        cold_start: { cold_start_ms: 1, bare_cold_start_ms: 1, cold_start_ratio: Number.NaN, bundle_bytes: 1, repeats: 1 },
      }),
    ) as BenchDetails;
    const figures = figuresOf(fromJson);
    expect(Number.isNaN(figures.cold_start_ratio)).toBe(true);
    expect(judgeGoals(figures).find((g) => g.goal.startsWith("cold_start_ratio"))!.status).toBe("NOT RUN");
  });

  it("the bench firebase config adds the bare codebase and moves every emulator to the port base", () => {
    const base = {
      functions: [{ source: "functions", codebase: "default" }],
      emulators: { firestore: { port: 8080 }, ui: { enabled: false }, singleProjectMode: true },
    };
    const config = benchFirebaseConfig(base, 9300);
    expect(config.functions).toEqual([{ source: "functions", codebase: "default" }, BARE_CODEBASE]);
    expect(config.emulators).toMatchObject({
      firestore: { port: 9300 },
      functions: { port: 9301 },
      hub: { port: 9302 },
      logging: { port: 9303 },
      tasks: { port: 9305 },
    });
    expect(base.functions).toHaveLength(1); // firebase.json's content is not changed in place
  });
});
