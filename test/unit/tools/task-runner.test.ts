// task-runner as a child process against the Gemini stand-in: output payloads, <FILE>.log, --json records, exit 0/1/2.
import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Payload } from "../../../shared/config/config-schemas";
import { TaskRecordSchema } from "../../../shared/engine/run-record";
import { sampleFunctionCallConfig, sampleTaskConfig } from "../../../local/samples/samples";
import { BANNER, runTool, tempDir, writeConfig } from "./run-tool";

let dir: string;
let sampleFile: string;

beforeAll(async () => {
  dir = await tempDir();
  sampleFile = await writeConfig(dir, "sample_task_config.json", sampleTaskConfig);
});

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/** A one-step task whose step answers `prompt` and exposes the answer as `answer`. */
const oneStepTask = (taskId: string, prompt: string, inputs: Record<string, string> = {}) => ({
  task_id: taskId,
  input_config: { payload: inputs },
  steps: [
    {
      id: `${taskId}-step`,
      name: "ask",
      step_type: 0,
      input_config: { payload: Object.fromEntries(Object.keys(inputs).map((k) => [k, ""])) },
      model_query_config: { model_key: "GEMINI_FLASH", parameters: { temperature: "0.0" }, user_prompt: prompt },
      output_config: { payload: { answer: "" } },
    },
  ],
  output_config: { payload: { answer: "" } },
});

describe("task-runner", () => {
  it("runs the sample task, prints its output payload, writes { payload } to <FILE>.log, and reports progress per step", async () => {
    const run = await runTool("task-runner", [`-input_path=${sampleFile}`]);
    expect(run.code, run.stderr).toBe(0);
    const payload = JSON.parse(run.stdout) as Payload;
    expect(Object.keys(payload)).toEqual(["joke", "verdict"]);
    expect(payload.joke).toContain("Tell me a joke!");
    // The verdict step saw the joke and the explanation through %context%.
    expect(payload.verdict).toContain(payload.joke);
    expect(payload.verdict).toContain("Explain the following joke");
    expect(JSON.parse(await readFile(`${sampleFile}.log`, "utf8"))).toEqual({ payload });
    const lines = run.stderr.split("\n");
    expect(lines.filter((line) => line.startsWith(BANNER))).toHaveLength(1);
    expect(lines.filter((line) => /^ {2}step \d\/3 "\d" \w+: success \d+ ms, \d+ tokens$/.test(line))).toHaveLength(3);
    expect(run.stderr).toContain(`output written to ${sampleFile}.log`);
  });

  it("runs comma-separated files in order with --json, one run record per line, and writes each .log", async () => {
    const second = await writeConfig(dir, "second.json", oneStepTask("second", "Say %word%", { word: "hello" }));
    const run = await runTool("task-runner", ["--input-path", `${sampleFile},${second}`, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    const [first, other] = lines.map((line) => TaskRecordSchema.parse(JSON.parse(line)));
    expect(first!.task_id).toBe("sample_task");
    expect(first!.status).toBe("success");
    expect(first!.steps.map((s) => s.step_id)).toEqual(["1", "2", "3"]);
    expect(first!.steps[1]!.user_prompt).toContain(first!.steps[0]!.response!);
    expect(other!.task_id).toBe("second");
    expect(other!.steps[0]!.user_prompt).toBe("Say hello");
    expect(JSON.parse(await readFile(`${second}.log`, "utf8"))).toEqual({ payload: other!.output_payload });
    expect(run.stderr.split("\n").filter((line) => line.startsWith(BANNER))).toHaveLength(1);
  });

  it("exits 1 naming the failed step and path, still running the other files, and writes no .log for the failure", async () => {
    const failing = await writeConfig(dir, "failing.json", {
      task_id: "failing",
      input_config: { payload: { data: "not json" } },
      steps: [{ ...sampleFunctionCallConfig, id: "log_row" }],
      output_config: { payload: { result: "" } },
    });
    const good = await writeConfig(dir, "good.json", oneStepTask("good", "Say hi"));
    const run = await runTool("task-runner", [`-input_path=${failing},${good}`, `-runs_dir=${join(dir, "runs")}`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/failing\.json: step "log_row" \(steps\[0\]\) failed: firestore_log: request is not JSON.*\[function_error/);
    expect(run.stderr).toContain("1 of 2 tasks failed");
    expect(await exists(`${failing}.log`)).toBe(false);
    expect(await exists(`${good}.log`)).toBe(true);
  });

  it("keeps an unknown %name% by default and fails on it with --strict", async () => {
    const file = await writeConfig(dir, "unresolved.json", oneStepTask("unresolved", "About %topic%"));
    const lax = await runTool("task-runner", [`-input_path=${file}`]);
    expect(lax.code, lax.stderr).toBe(0);
    expect((JSON.parse(lax.stdout) as Payload).answer).toContain("About %topic%");
    expect(lax.stderr).toContain("warning: %topic% in user_prompt names no input");
    const strict = await runTool("task-runner", [`-input_path=${file}`, "--strict"]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/step "unresolved-step" \(steps\[0\]\.model_query_config\.user_prompt\) failed: .*\[unresolved_variable/);
  });

  it("checks every file before running any: an invalid one exits 1 with `path: message` and no model call", async () => {
    const bad = await writeConfig(dir, "bad.json", { task_id: "x", steps: [], next_task: "x" });
    const run = await runTool("task-runner", [`-input_path=${sampleFile},${bad}`]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(`${bad} is not a valid task config:`);
    expect(run.stderr).toMatch(/^next_task: a task cannot be its own next task/m);
    expect(run.stderr).not.toContain(BANNER);
  });

  it("exits 2 for an unreadable file or an unknown flag, and 0 for --help", async () => {
    const missing = await runTool("task-runner", [`-input_path=${join(dir, "nope.json")}`]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no such file");
    const unknown = await runTool("task-runner", [`-input_path=${sampleFile}`, "--jsonl"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown flag --jsonl");
    expect(unknown.stderr).toContain("Usage: npm run task-runner");
    const help = await runTool("task-runner", ["-help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("-input_path=FILE[,FILE...]");
  });
});
