// The printed form of a run: every figure by benchmark, then one PASS/MISS/NOT RUN line per goal.
import { BENCH_NAMES, FIGURE_KEYS, type Figures } from "./bench-results";
import type { GoalResult } from "./goals";

const TITLES = {
  engine_overhead: "1. engine overhead (in-process, instant fake model)",
  hop_latency: "2. hop latency (Firestore + Functions emulators)",
  firestore_cost: "3. Firestore cost per task (counted calls)",
  batch_throughput: "4. batch throughput under a rate limit (the batch path, paced; unpaced beside it)",
  cold_start: "5. cold start (fresh Node process)",
  batch_submit: "6. submitting a batch (npm run batch -- submit, a 10,000-row grid)",
  response_cache: "7. response store (a two-task batch, then rerun, then rerun with its second prompt changed)",
} as const;

const show = (value: number | undefined) => (value === undefined ? "-" : Number.isNaN(value) ? "n/a" : String(value));

export function formatTable(figures: Figures, goals: readonly GoalResult[], errors: Readonly<Record<string, string>>): string {
  const lines: string[] = [];
  const width =
    Math.max(
      ...Object.values(FIGURE_KEYS)
        .flat()
        .map((k) => k.length),
    ) + 2;
  for (const name of BENCH_NAMES) {
    lines.push(TITLES[name]);
    const error = errors[name];
    if (error) lines.push(`  NOT RUN: ${error}`);
    else for (const key of FIGURE_KEYS[name]) lines.push(`  ${key.padEnd(width)}${show(figures[key])}`);
  }
  lines.push("", "goals");
  for (const g of goals) {
    const values = Object.entries(g.values)
      .map(([k, v]) => `${k} ${show(v)}`)
      .join(", ");
    lines.push(`  ${g.status.padEnd(8)}${g.goal}${g.status === "NOT RUN" ? "" : `  (${values})`}`);
  }
  return lines.join("\n");
}
