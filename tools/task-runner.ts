// task-runner: runs one or more task configs, prints each output payload and writes it to <FILE>.log.
import { writeFile } from "node:fs/promises";
import { createJsonlSink } from "../shared/builtins/jsonl-sink";
import type { TaskConfig } from "../shared/config/config-schemas";
import type { StepRecord } from "../shared/engine/run-record";
import { runTaskSteps } from "../shared/engine/run-task-steps";
import { defineTool, UsageError } from "./cli-args";
import { formatCost } from "./job-report";
import {
  EXIT_FAILED,
  EXIT_OK,
  formatRunError,
  formatStepProgress,
  InvalidConfigError,
  newExecutionId,
  openRuntime,
  printJson,
  readConfigFile,
  runTool,
  validationFromEnv,
} from "./tool-io";

const spec = defineTool({
  name: "task-runner",
  summary:
    "Runs each task config in turn, prints its output payload and writes the output config\n" +
    '{ "payload": {...} } as JSON to <FILE>.log. Progress goes to stderr, one line per step.\n' +
    "Without GEMINI_API_KEY, model calls go to the offline Gemini stand-in, which echoes the prompt.",
  flags: {
    input_path: { type: "string", value: "FILE[,FILE...]", description: "the task config file(s), comma-separated", required: true },
    json: { type: "boolean", description: "print each task's run record as one line of JSON instead of its output payload" },
    strict: { type: "boolean", description: "fail when a %name% in a prompt or request names no input, instead of leaving it as written" },
    runs_dir: { type: "string", value: "DIR", description: "where built-in functions write their JSONL documents (default: .runs)" },
  },
  examples: [
    "npm run task-runner -- -input_path=samples/sample_task_config.json",
    "npm run task-runner -- -input_path=a.json,b.json --json",
  ],
});

await runTool(spec, async ({ input_path, json, strict, runs_dir }) => {
  const files = input_path
    .split(",")
    .map((f) => f.trim())
    .filter(Boolean);
  if (!files.length) throw new UsageError("-input_path names no file");

  // Every file is checked before any model is called: a typo in the third file should not cost two tasks' calls.
  const validation = validationFromEnv();
  const tasks: { file: string; task: TaskConfig }[] = [];
  const invalid: InvalidConfigError[] = [];
  for (const file of files) {
    try {
      tasks.push({ file, task: await readConfigFile(file, "task", validation) });
    } catch (err) {
      if (!(err instanceof InvalidConfigError)) throw err;
      invalid.push(err);
    }
  }
  if (invalid.length) {
    for (const err of invalid) process.stderr.write(`task-runner: ${err.message}\n`);
    return EXIT_FAILED;
  }

  const runtime = await openRuntime({ strict, sink: createJsonlSink(runs_dir || ".runs") });
  let failed = 0;
  try {
    for (const { file, task } of tasks) {
      const total = task.steps.length;
      process.stderr.write(`${file}: task ${JSON.stringify(task.task_id)}, ${total} step${total === 1 ? "" : "s"}\n`);
      const onStepEnd = (record: StepRecord, index: number) => {
        process.stderr.write(`${formatStepProgress(record, index, total)}\n`);
        for (const warning of record.warnings) process.stderr.write(`    warning: ${warning}\n`);
      };
      const record = await runTaskSteps(task, newExecutionId("task-runner"), { ...runtime.engine, onStepEnd });
      if (json) printJson(record, false);
      if (record.status === "failed") {
        failed++;
        process.stderr.write(`task-runner: ${file}: ${record.error ? formatRunError(record.error) : "the task failed"}; no .log written\n`);
        continue;
      }
      if (!json) printJson(record.output_payload, true);
      const log = `${file}.log`;
      await writeFile(log, `${JSON.stringify({ payload: record.output_payload }, null, 2)}\n`, "utf8");
      const cost = record.cost ? `, ${formatCost(record.cost)}` : "";
      process.stderr.write(
        `  ${record.status} in ${Math.round(record.latency_ms)} ms, ${record.usage.total_tokens} tokens${cost}; output written to ${log}\n`,
      );
      if (task.next_task) {
        process.stderr.write(
          `  next_task ${JSON.stringify(task.next_task)} is not run here: chains run on Firestore (npm start, npm run start-job)\n`,
        );
      }
    }
  } finally {
    await runtime.close();
  }
  if (failed && tasks.length > 1) process.stderr.write(`task-runner: ${failed} of ${tasks.length} tasks failed\n`);
  return failed ? EXIT_FAILED : EXIT_OK;
});
