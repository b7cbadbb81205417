// Runs one subcommand of a tool with subcommands (`npm run batch -- submit FILE`): the flags of tools/cli-args.ts,
// the exit codes of tools/tool-io.ts, and a usage text that names the subcommand.
import { formatUsage, parseCli, UsageError, type FlagSpecs, type FlagValues, type ToolSpec } from "./cli-args";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, InvalidConfigError } from "./tool-io";

export interface Subcommand<F extends FlagSpecs> {
  /** `spec.name` is the subcommand's name (`submit`). */
  spec: ToolSpec<F>;
  main: (flags: FlagValues<F>, positionals: string[]) => Promise<number>;
}

/** Keeps the flag names literal, as defineTool does. */
export const defineSubcommand = <const F extends FlagSpecs>(sub: Subcommand<F>): Subcommand<F> => sub;

export function subcommandUsage<F extends FlagSpecs>(tool: string, spec: ToolSpec<F>): string {
  return formatUsage(spec).replace(`npm run ${spec.name} -- `, `npm run ${tool} -- ${spec.name} `);
}

/** Resolves to the exit code: 0 done, 1 an invalid input or a failed run, 2 a usage error (with the usage text). */
export async function runSubcommand<F extends FlagSpecs>(tool: string, sub: Subcommand<F>, argv: readonly string[]): Promise<number> {
  const label = `${tool} ${sub.spec.name}`;
  try {
    const args = parseCli(sub.spec, argv);
    if (args.help) {
      process.stdout.write(subcommandUsage(tool, sub.spec));
      return EXIT_OK;
    }
    return await sub.main(args.values, args.positionals);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${label}: ${err.message}\n\n${subcommandUsage(tool, sub.spec)}`);
      return EXIT_USAGE;
    }
    if (err instanceof InvalidConfigError) {
      process.stderr.write(`${label}: ${err.message}\n`);
      return EXIT_FAILED;
    }
    process.stderr.write(`${label}: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_FAILED;
  }
}
