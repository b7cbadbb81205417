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
  const results = { suite: "reliability", generatedAt: new Date().toISOString(), rows: [...kept, ...fresh.map((row) => ({ ...row, source }))] };
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}
