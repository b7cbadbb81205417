// npm run batch -- <submit|watch|cancel|retry> ...: research runs, one chain over a grid or a dataset.
import { cancel } from "./batch-cancel";
import { retry } from "./batch-retry";
import { submit } from "./batch-submit";
import { watch } from "./batch-watch";
import { runSubcommand, type Subcommand } from "./subcommand";
import { EXIT_OK, EXIT_USAGE } from "./tool-io";
import type { FlagSpecs } from "./cli-args";

const SUBCOMMANDS: Record<string, Subcommand<FlagSpecs>> = { submit, watch, cancel, retry } as unknown as Record<
  string,
  Subcommand<FlagSpecs>
>;

const USAGE = `Usage: npm run batch -- <command> [args]

Runs one chain over many inputs: a batch file's grid or rows become one job per row (and repeat, and model),
admitted through a Cloud Tasks queue paced to the model's quota.

Commands:
${Object.values(SUBCOMMANDS)
  .map((s) => `  ${s.spec.name.padEnd(7)} ${s.spec.summary.split("\n")[0]}`)
  .join("\n")}

npm run batch -- <command> --help describes each. Results: npm run export -- <batchId> --format csv|jsonl
`;

const [name, ...rest] = process.argv.slice(2);
let code: number;
if (name === undefined || name === "--help" || name === "-h" || name === "help") {
  (name ? process.stdout : process.stderr).write(USAGE);
  code = name ? EXIT_OK : EXIT_USAGE;
} else if (!Object.hasOwn(SUBCOMMANDS, name)) {
  process.stderr.write(`batch: unknown command ${JSON.stringify(name)}\n\n${USAGE}`);
  code = EXIT_USAGE;
} else {
  code = await runSubcommand("batch", SUBCOMMANDS[name]!, rest);
}
// Exit explicitly (an SDK keep-alive socket must not hold a finished tool open), once the output is flushed.
await Promise.all([process.stdout, process.stderr].map((s) => new Promise((resolve) => s.write("", resolve))));
process.exit(code);
