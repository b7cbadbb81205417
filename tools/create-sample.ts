// create-sample: writes the original design's four sample configs as pretty JSON files into a folder.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sampleFunctionCallConfig, sampleJobConfig, sampleStepConfig, sampleTaskConfig } from "../local/samples/samples";
import { defineTool, UsageError } from "./cli-args";
import { describeFsError, EXIT_OK, runTool } from "./tool-io";

const spec = defineTool({
  name: "create-sample",
  summary:
    "Writes sample_step_config.json, sample_function_call_config.json, sample_task_config.json and\n" +
    "sample_job_config.json (the three-step joke task) into a folder, creating it if needed.",
  flags: {
    output_dir: { type: "string", value: "DIR", description: "the folder to write into (default: the current folder)" },
  },
  examples: [
    "npm run create-sample -- -output_dir=samples",
    "npm run config-reader -- -input_path=samples/sample_job_config.json -config_type=job",
  ],
});

const SAMPLES: readonly [string, unknown][] = [
  ["sample_step_config.json", sampleStepConfig],
  ["sample_function_call_config.json", sampleFunctionCallConfig],
  ["sample_task_config.json", sampleTaskConfig],
  ["sample_job_config.json", sampleJobConfig],
];

await runTool(spec, async ({ output_dir }) => {
  // The original was run with -output_dir='' to mean the current folder.
  const dir = output_dir || ".";
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new UsageError(`cannot create ${dir}: ${describeFsError(err)}; check the -output_dir flag`);
  }
  for (const [name, config] of SAMPLES) {
    const file = join(dir, name);
    await writeFile(file, `${JSON.stringify(config, null, 2)}\n`, "utf8");
    process.stdout.write(`wrote ${file}\n`);
  }
  return EXIT_OK;
});
