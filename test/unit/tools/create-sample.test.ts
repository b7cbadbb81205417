// create-sample as a child process: writes the four original samples, which the config parser accepts.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ConfigType } from "../../../shared/config/config-schemas";
import { parseConfigText } from "../../../shared/validation/validate-config";
import { sampleFunctionCallConfig, sampleJobConfig, sampleStepConfig, sampleTaskConfig } from "../../../local/samples/samples";
import { runTool, tempDir } from "./run-tool";

const FILES: [string, ConfigType, unknown][] = [
  ["sample_step_config.json", "step", sampleStepConfig],
  ["sample_function_call_config.json", "step", sampleFunctionCallConfig],
  ["sample_task_config.json", "task", sampleTaskConfig],
  ["sample_job_config.json", "job", sampleJobConfig],
];

describe("create-sample", () => {
  it("writes the four samples with the original single-dash flag, each a valid config of its type", async () => {
    const dir = await tempDir();
    const run = await runTool("create-sample", [`-output_dir=${dir}`]);
    expect(run.code, run.stderr).toBe(0);
    for (const [name, type, sample] of FILES) {
      const file = join(dir, name);
      expect(run.stdout).toContain(`wrote ${file}`);
      const text = await readFile(file, "utf8");
      expect(text).toContain('\n  "'); // pretty-printed for people to edit
      expect(JSON.parse(text)).toEqual(sample);
      const parsed = parseConfigText(type, text);
      expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
    }
  });

  it("accepts the double-dash kebab form with a space and creates a missing folder", async () => {
    const dir = join(await tempDir(), "nested", "samples");
    const run = await runTool("create-sample", ["--output-dir", dir]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(await readFile(join(dir, "sample_task_config.json"), "utf8"))).toEqual(sampleTaskConfig);
  });

  it("prints its usage for --help and exits 0", async () => {
    const run = await runTool("create-sample", ["--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Usage: npm run create-sample -- [-output_dir=DIR]");
  });

  it("rejects an unknown flag with exit 2 and the usage text", async () => {
    const run = await runTool("create-sample", ["-outputdir=x"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown flag -outputdir");
    expect(run.stderr).toContain("Usage: npm run create-sample");
    expect(run.stdout).toBe("");
  });
});
