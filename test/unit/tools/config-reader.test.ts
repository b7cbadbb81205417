// config-reader as a child process: exit 0 with the normalized config, 1 with `path: message` lines, 2 for usage errors.
import { describe, expect, it } from "vitest";
import type { StepConfig } from "../../../shared/config/config-schemas";
import { parseConfig } from "../../../shared/validation/validate-config";
import { sampleJobConfig } from "../../../local/samples/samples";
import { runTool, tempDir, writeConfig } from "./run-tool";

const README_STEP = `{
    "id": "1",
    "step_type": 0,
    "input_config": { "payload": { "user_prompt": "Tell me a joke!" } },
    "model_query_config": {
        "model_key": "GEMINI_FLASH",
        "parameters": { "temperature": "0.7" },
        "user_prompt": "%user_prompt%" // Interpolate input variables into model query
    }
}`;

// Three problems found beyond shape, in two steps: all must be listed, each with its path.
const badTask = {
  task_id: "t",
  steps: [
    { id: "a", model_query_config: { model_key: "GEMINI_FLAHS", user_prompt: "hi", parameters: { temprature: "1" } } },
    { id: "a", model_query_config: { model_key: "GEMINI_FLASH" } },
  ],
};

describe("config-reader", () => {
  it("prints a valid job normalized, with the original single-dash flags, and exits 0", async () => {
    const file = await writeConfig(await tempDir(), "job.json", sampleJobConfig);
    const run = await runTool("config-reader", [`-input_path=${file}`, "-config_type=job"]);
    expect(run.code, run.stderr).toBe(0);
    const expected = parseConfig("job", sampleJobConfig);
    expect(expected.ok).toBe(true);
    expect(JSON.parse(run.stdout)).toEqual(expected.ok ? expected.value : undefined);
  });

  it("accepts double-dash flags with spaces and a config with a // comment, filling in defaults", async () => {
    const file = await writeConfig(await tempDir(), "step.jsonc", README_STEP);
    const run = await runTool("config-reader", ["--input_path", file, "--config-type", "step"]);
    expect(run.code, run.stderr).toBe(0);
    const step = JSON.parse(run.stdout) as StepConfig;
    expect(step.model_query_config?.user_prompt).toBe("%user_prompt%");
    expect(step.model_query_config?.system_prompt).toBe("");
    expect(step.output_config).toEqual({ payload: {} });
  });

  it("lists every problem of an invalid config as `path: message` on stderr and exits 1", async () => {
    const file = await writeConfig(await tempDir(), "bad.json", badTask);
    const run = await runTool("config-reader", [`-input_path=${file}`, "-config_type=task"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe(`config-reader: ${file} is not a valid task config:`);
    expect(lines[1]).toMatch(/^steps\[0\]\.model_query_config\.model_key: unknown model key "GEMINI_FLAHS"; known: GEMINI_FLASH, /);
    expect(lines[2]).toMatch(
      /^steps\[0\]\.model_query_config\.parameters\.temprature: unknown parameter "temprature"; known: temperature, /,
    );
    expect(lines[3]).toBe('steps[1].id: duplicate step id "a" (also steps[0])');
    expect(lines).toHaveLength(4);
  });

  it("reports a shape error with its path and exits 1", async () => {
    const file = await writeConfig(await tempDir(), "shape.json", { id: "x", step_type: 1, extra: true });
    const run = await runTool("config-reader", [`-input_path=${file}`, "-config_type=step"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^extra: unknown field/m);
  });

  it("reports a JSON syntax error with its line and exits 1", async () => {
    const file = await writeConfig(await tempDir(), "broken.json", '{\n  "id": "1",\n  "name": \n}');
    const run = await runTool("config-reader", [`-input_path=${file}`, "-config_type=step"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/invalid JSON at line \d+, column \d+/);
  });

  it.each([
    ["a missing -config_type", ["-input_path=x.json"], "missing -config_type"],
    [
      "an unknown -config_type",
      ["-input_path=x.json", "-config_type=workflow"],
      '-config_type must be one of step, task, job, got "workflow"',
    ],
    ["an unreadable file", ["-input_path=does/not/exist.json", "-config_type=task"], "cannot read does/not/exist.json: no such file"],
    ["an unknown flag", ["-input_path=x.json", "-config_type=task", "--verbose"], "unknown flag --verbose"],
    ["a stray argument", ["x.json"], 'unexpected argument "x.json"'],
  ])("exits 2 with the usage text for %s", async (_, args, message) => {
    const run = await runTool("config-reader", args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain("Usage: npm run config-reader -- -input_path=FILE -config_type=step|task|job");
  });

  it("prints its usage for -h and exits 0", async () => {
    const run = await runTool("config-reader", ["-h"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("-config_type=step|task|job");
  });
});
