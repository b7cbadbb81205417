// shared/limits.ts: every limit is a documented setting, read from the environment or refused by name.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, LIMITS, readLimits } from "../../shared/limits";

/** The variables named in the first column of the README's settings table (`| `A`, `B` | default | meaning |`). */
function readmeSettings(): Set<string> {
  const readme = readFileSync("README.md", "utf8");
  const table = readme.slice(readme.indexOf("### Configuration"), readme.indexOf("## Requirements"));
  const names = new Set<string>();
  for (const line of table.split("\n")) {
    const first = line.startsWith("|") ? line.split("|")[1] : undefined;
    for (const [, name] of first?.matchAll(/`([A-Z][A-Z0-9_]+)`/g) ?? []) names.add(name!);
  }
  return names;
}

describe("LIMITS", () => {
  it("every limit's variable is in the README's settings table", () => {
    const documented = readmeSettings();
    const missing = Object.values(LIMITS)
      .map((spec) => spec.env)
      .filter((env) => !documented.has(env));
    expect(missing).toEqual([]);
  });

  it("the README's default of each limit is the code's", () => {
    const readme = readFileSync("README.md", "utf8");
    for (const spec of Object.values(LIMITS)) {
      const row = readme.split("\n").find((line) => line.startsWith(`| \`${spec.env}\``));
      expect(row, spec.env).toBeDefined();
      expect(row!.split("|")[2]!.trim().replace(/[ ,_]/g, ""), spec.env).toBe(String(spec.default));
    }
  });

  it("reads each limit from its variable, keeps the default when unset, and refuses a bad value by name", () => {
    expect(readLimits({})).toEqual(DEFAULT_LIMITS);
    expect(readLimits({ MAX_STEPS_PER_TASK: "7", MAX_RUN_CHARS: " 1000 " })).toMatchObject({ stepsPerTask: 7, runChars: 1000 });
    for (const bad of ["0", "-3", "2.5", "lots"]) expect(() => readLimits({ MAX_JOB_BYTES: bad })).toThrow(/^MAX_JOB_BYTES=/);
  });
});
