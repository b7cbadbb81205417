// step-runner: runs one step config on its own input payload and prints the step's response.
import { createJsonlSink } from "../shared/builtins/jsonl-sink";
import { runStep } from "../shared/engine/run-step";
import { defineTool } from "./cli-args";
import {
  EXIT_FAILED,
  EXIT_OK,
  formatRunError,
  newExecutionId,
  openRuntime,
  printJson,
  readConfigFile,
  runTool,
  validationFromEnv,
} from "./tool-io";

const spec = defineTool({
  name: "step-runner",
  summary:
    "Runs one step config, its own input_config.payload being the running payload, and prints the response.\n" +
    "Without GEMINI_API_KEY, model calls go to the offline Gemini stand-in, which echoes the prompt.",
  flags: {
    input_path: { type: "string", value: "FILE", description: "the step config file", required: true },
    json: { type: "boolean", description: "print the step's run record (prompts, response, latency, tokens) as JSON instead" },
    strict: { type: "boolean", description: "fail when a %name% in a prompt or request names no input, instead of leaving it as written" },
    runs_dir: { type: "string", value: "DIR", description: "where built-in functions write their JSONL documents (default: .runs)" },
  },
  examples: ["npm run step-runner -- -input_path=samples/sample_step_config.json"],
});

await runTool(spec, async ({ input_path, json, strict, runs_dir }) => {
  const step = await readConfigFile(input_path, "step", validationFromEnv());
  const runtime = await openRuntime({ strict, sink: createJsonlSink(runs_dir || ".runs") });
  try {
    const context = { executionId: newExecutionId("step-runner"), index: 0 };
    const { record } = await runStep(step, step.input_config.payload, context, runtime.engine);
    for (const warning of record.warnings) process.stderr.write(`warning: ${warning}\n`);
    if (json) printJson(record, false);
    else if (record.response !== null && record.status === "success") process.stdout.write(`${record.response}\n`);
    if (record.error) {
      // The engine locates errors in a task (`steps[0].model_query_config...`); this file is the step itself.
      const path = record.error.path?.replace(/^steps\[0\]\.?/, "") || undefined;
      process.stderr.write(`step-runner: ${input_path}: ${formatRunError({ ...record.error, path })}\n`);
      return EXIT_FAILED;
    }
    return EXIT_OK;
  } finally {
    await runtime.close();
  }
});
