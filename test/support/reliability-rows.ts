// Writes a suite's scenario rows to reliability.json for the reliability report (tools/reliability-report.ts).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Puts `source`'s rows in `dir`/reliability.json in place of those an earlier run of the same file left there,
 * keeping other files' rows (reliability.test.ts and secrets.test.ts share the file). The suites run one file
 * at a time, so the read and the write do not race.
 */
export function writeResultRows(dir: string, source: string, fresh: readonly object[]): void {
  const file = join(dir, "reliability.json");
  let kept: unknown[] = [];
  if (existsSync(file)) {
    const old = JSON.parse(readFileSync(file, "utf8")) as { rows?: unknown };
    if (Array.isArray(old.rows)) kept = old.rows.filter((row: unknown) => (row as { source?: unknown } | null)?.source !== source);
  }
  mkdirSync(dir, { recursive: true });
  const results = {
    suite: "reliability",
    generatedAt: new Date().toISOString(),
    rows: [...kept, ...fresh.map((row) => ({ ...row, source }))],
  };
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}

/**
 * For a suite whose tests together prove one promise: records each test's result (afterEach) and, when the run
 * writes results, adds one row for the suite (afterAll) saying how many cases held and which did not.
 */
export function recordSuiteRow(
  hooks: {
    afterEach: (fn: (ctx: { task: { name: string; result?: { state?: string } } }) => void) => void;
    afterAll: (fn: () => void) => void;
  },
  source: string,
  promise: string,
  fault: string,
  outcomeWhenHeld: "survived" | "failed clearly",
): void {
  const results: { name: string; ok: boolean }[] = [];
  hooks.afterEach(({ task }) => void results.push({ name: task.name, ok: task.result?.state === "pass" }));
  hooks.afterAll(() => {
    const dir = process.env.RELIABILITY_RESULTS_DIR;
    if (!dir || !results.length) return;
    const broken = results.filter((r) => !r.ok).map((r) => r.name);
    const detail = broken.length ? `did not hold: ${broken.join("; ")}` : `all ${results.length} cases held`;
    writeResultRows(dir, source, [{ promise, fault, times: results.length, outcome: broken.length ? "lost" : outcomeWhenHeld, detail }]);
  });
}
