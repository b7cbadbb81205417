// step-runner as a child process against the Gemini stand-in: response on stdout, reasons on stderr, exit 0/1/2.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StepRecordSchema } from "../../../shared/engine/run-record";
import { sampleFunctionCallConfig, sampleStepConfig } from "../../../local/samples/samples";
import { startStandin, type Standin } from "../../../local/standin/standin-server";
import { match } from "../../support/matchers";
import { BANNER, runTool, tempDir, writeConfig } from "./run-tool";

let dir: string;
let stepFile: string;

beforeAll(async () => {
  dir = await tempDir();
  stepFile = await writeConfig(dir, "step.json", sampleStepConfig);
});

const withPrompt = (userPrompt: string) => ({
  ...sampleStepConfig,
  model_query_config: { ...sampleStepConfig.model_query_config!, user_prompt: userPrompt },
});

describe("step-runner", () => {
  it("runs the README step and prints a response holding its interpolated prompt; says on stderr that the stand-in is used", async () => {
    const run = await runTool("step-runner", [`-input_path=${stepFile}`]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("Tell me a joke!");
    expect(run.stdout).not.toContain("%user_prompt%");
    expect(run.stderr.split("\n").filter((line) => line.startsWith(BANNER))).toHaveLength(1);
  });

  it("prints the step's run record with --json", async () => {
    const run = await runTool("step-runner", ["--input-path", stepFile, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const record = StepRecordSchema.parse(JSON.parse(run.stdout));
    expect(record).toMatchObject({
      step_id: "1",
      step_type: "model_query",
      model_key: "GEMINI_FLASH",
      model: "gemini-2.5-flash",
      system_prompt: "You are a helpful assistant.",
      user_prompt: "Tell me a joke!",
      status: "success",
      warnings: [],
    });
    expect(record.response).toContain("Tell me a joke!");
    expect(record.usage.total_tokens).toBeGreaterThan(0);
  });

  it("runs the function call sample, appending its document to <runs_dir>/samples.jsonl", async () => {
    const file = await writeConfig(dir, "function.json", sampleFunctionCallConfig);
    const runs = join(dir, "runs");
    const run = await runTool("step-runner", [`-input_path=${file}`, `-runs_dir=${runs}`]);
    expect(run.code, run.stderr).toBe(0);
    // firestore_log's result (shared/builtins/firestore-log.ts), printed as the step's response.
    const result = JSON.parse(run.stdout) as { status: string; document_id: string };
    expect(result).toMatchObject({ status: "success", document_id: match.any(String) });
    expect(run.stderr).toContain(`JSONL files in ${runs}`);
    const lines = (await readFile(join(runs, "samples.jsonl"), "utf8")).trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      collection: "samples",
      document_id: result.document_id,
      data: { joke: match.stringContaining("scarecrow"), timestamp: match.any(String), execution_id: match.any(String) },
    });
  });

  it("exits 1 with the step id and reason when the function fails", async () => {
    const file = await writeConfig(dir, "bad-request.json", {
      ...sampleFunctionCallConfig,
      input_config: { payload: { data: "not json" } },
    });
    const run = await runTool("step-runner", [`-input_path=${file}`, `-runs_dir=${join(dir, "runs-bad")}`]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/step "1" failed: firestore_log: request is not JSON .*\[function_error, 1 attempt\]/);
  });

  describe("with a stand-in that blocks every answer (GEMINI_BASE_URL)", () => {
    let standin: Standin;
    beforeAll(async () => {
      standin = await startStandin({ faults: { safety: 1 } });
    });
    afterAll(() => standin.close());

    it("exits 1 with the model's refusal as the reason", async () => {
      const run = await runTool("step-runner", [`-input_path=${stepFile}`], { GEMINI_BASE_URL: standin.url });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/step "1" failed: .*SAFETY.*\[model_blocked/);
      expect(standin.stats().requests).toBe(1);
    });
  });

  it("leaves an unknown %name% as written with a warning, and fails on it with --strict", async () => {
    const file = await writeConfig(dir, "unresolved.json", withPrompt("Tell me about %topic%"));
    const lax = await runTool("step-runner", [`-input_path=${file}`]);
    expect(lax.code, lax.stderr).toBe(0);
    expect(lax.stdout).toContain("Tell me about %topic%");
    expect(lax.stderr).toMatch(/warning: %topic% in user_prompt names no input/);
    const strict = await runTool("step-runner", [`-input_path=${file}`, "--strict"]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/step "1" \(model_query_config\.user_prompt\) failed: %topic% .*\[unresolved_variable/);
  });

  it("exits 1 with `path: message` for an invalid step, before any model call", async () => {
    const file = await writeConfig(dir, "invalid.json", { ...sampleStepConfig, model_query_config: { model_key: "GPT" } });
    const run = await runTool("step-runner", [`-input_path=${file}`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^model_query_config\.model_key: unknown model key "GPT"; known: /m);
    expect(run.stderr).not.toContain(BANNER);
  });

  it("exits 2 for a missing -input_path, and 0 for --help", async () => {
    const missing = await runTool("step-runner", ["--json"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing -input_path=FILE");
    const help = await runTool("step-runner", ["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: npm run step-runner -- -input_path=FILE");
  });
});
