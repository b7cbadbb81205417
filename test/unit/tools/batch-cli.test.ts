// The batch and export tools as child processes: help on each, usage errors with exit 2 (no emulator needed for these).
import { describe, expect, it } from "vitest";
import { runTool } from "./run-tool";

describe("npm run batch", () => {
  it("lists its commands, and each command has --help naming itself", async () => {
    const top = await runTool("batch", ["--help"]);
    expect(top.code).toBe(0);
    for (const name of ["submit", "watch", "cancel", "retry"]) expect(top.stdout).toMatch(new RegExp(`^  ${name} `, "m"));
    const submit = await runTool("batch", ["submit", "--help"]);
    expect(submit.code).toBe(0);
    expect(submit.stdout).toMatch(/^Usage: npm run batch -- submit <file> \[--dry_run\]/);
    expect(submit.stdout).toContain("every\nproblem is listed as `path: message`");
  });

  it("exits 2 with the usage for an unknown command, a missing argument or an unknown flag", async () => {
    const unknown = await runTool("batch", ["sumbit", "x.jsonc"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('batch: unknown command "sumbit"');
    const missing = await runTool("batch", ["watch"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^batch watch: missing batchId: the batches\/ document id\n\nUsage: npm run batch -- watch <batchId>/);
    const flag = await runTool("batch", ["cancel", "b", "--force"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("batch cancel: unknown flag --force; cancel takes -project=ID, --help");
  });
});

describe("npm run export", () => {
  it("needs a batch id or --job, and a known format", async () => {
    const none = await runTool("export", []);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("export: missing batchId");
    const format = await runTool("export", ["b", "--format", "xlsx"]);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain("export: -format=xlsx: use csv or jsonl");
  });
});
