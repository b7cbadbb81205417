// config-reader: validates a step, task or job config file and prints it normalized (defaults filled in).
import { CONFIG_TYPES, type ConfigType } from "../shared/config/config-schemas";
import { defineTool, UsageError } from "./cli-args";
import { EXIT_OK, printJson, readConfigFile, runTool, validationFromEnv } from "./tool-io";

const spec = defineTool({
  name: "config-reader",
  summary:
    "Validates a config file (JSON; // and /* */ comments allowed) and prints the normalized config as JSON.\n" +
    "Exit 0 when valid; 1 with every problem as `path: message` when not; 2 for a usage error.",
  flags: {
    input_path: { type: "string", value: "FILE", description: "the config file to read", required: true },
    config_type: { type: "string", value: "step|task|job", description: "what the file holds", required: true },
  },
  examples: ["npm run config-reader -- -input_path=job.json -config_type=job"],
});

const isConfigType = (value: string): value is ConfigType => (CONFIG_TYPES as readonly string[]).includes(value);

await runTool(spec, async ({ input_path, config_type }) => {
  if (!isConfigType(config_type)) {
    throw new UsageError(`-config_type must be one of ${CONFIG_TYPES.join(", ")}, got ${JSON.stringify(config_type)}`);
  }
  const config = await readConfigFile(input_path, config_type, validationFromEnv());
  printJson(config, true);
  return EXIT_OK;
});
