// What every command-line tool shares: exit codes, reading and validating a config file, reporting errors and progress.
import { startStandin, type Standin } from "../local/standin/standin-server";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { formatIssues, type ConfigIssue } from "../shared/config/config-issue";
import type { ConfigOf, ConfigType } from "../shared/config/config-schemas";
import { parseConfigText, type ValidationContext } from "../shared/validation/validate-config";
import type { RunError, StepRecord } from "../shared/engine/run-record";
import { validationFromEnv as sharedValidationFromEnv } from "../shared/pipeline/validation-from-env";
import { createRuntime, type RuntimeOptions } from "../shared/runtime/create-runtime";
import type { Runtime } from "../local/standin/local-runtime";
import { formatUsage, parseCli, UsageError, type FlagSpecs, type FlagValues, type ToolSpec } from "./cli-args";

export const EXIT_OK = 0;
/** The config was invalid or the run failed. */
export const EXIT_FAILED = 1;
/** The command line was wrong: a flag, a missing or unreadable file. */
export const EXIT_USAGE = 2;

export class InvalidConfigError extends Error {
  constructor(
    readonly file: string,
    readonly type: ConfigType,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(`${file} is not a valid ${type} config:\n${formatIssues(issues)}`);
    this.name = "InvalidConfigError";
  }
}

/**
 * Parses the flags, runs `main`, and exits with its code. Usage errors exit 2 with the usage text, invalid
 * configs 1 with their `path: message` list, anything unexpected 1 with its message.
 */
export async function runTool<F extends FlagSpecs>(
  spec: ToolSpec<F>,
  main: (flags: FlagValues<F>, positionals: string[]) => Promise<number>,
): Promise<never> {
  let code: number;
  try {
    const args = parseCli(spec, process.argv.slice(2));
    if (args.help) {
      process.stdout.write(formatUsage(spec));
      code = EXIT_OK;
    } else {
      code = await main(args.values, args.positionals);
    }
  } catch (err) {
    code = reportError(spec, err);
  }
  // Exit explicitly: an SDK keep-alive socket must not keep a finished tool alive; flush first so no output is cut.
  await Promise.all([flush(process.stdout), flush(process.stderr)]);
  process.exit(code);
}

function reportError<F extends FlagSpecs>(spec: ToolSpec<F>, err: unknown): number {
  if (err instanceof UsageError) {
    process.stderr.write(`${spec.name}: ${err.message}\n\n${formatUsage(spec)}`);
    return EXIT_USAGE;
  }
  if (err instanceof InvalidConfigError) {
    process.stderr.write(`${spec.name}: ${err.message}\n`);
    return EXIT_FAILED;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`${spec.name}: ${message}\n`);
  return EXIT_FAILED;
}

function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write("", () => resolve()));
}

/** Validation against the model table the run will use (LLM_MODEL_TABLE included) and the built-in functions. */
export function validationFromEnv(env: NodeJS.ProcessEnv = process.env): ValidationContext {
  try {
    return sharedValidationFromEnv(env);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Reads and validates one config file; an unreadable file is a UsageError, an invalid one an InvalidConfigError. */
export async function readConfigFile<T extends ConfigType>(file: string, type: T, validation: ValidationContext): Promise<ConfigOf<T>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${describeFsError(err)}; check the -input_path flag`);
  }
  const parsed = parseConfigText(type, text, validation);
  if (!parsed.ok) throw new InvalidConfigError(file, type, parsed.issues);
  return parsed.value;
}

export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "it is a folder, not a file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  return err instanceof Error ? err.message : String(err);
}

/** Builds the engine and prints, once, where model calls and documents go (the offline stand-in line among them). */
export async function openRuntime(options: RuntimeOptions<Standin>): Promise<Runtime> {
  const runtime = await createRuntime({ startStandin: () => startStandin(), ...options });
  for (const line of runtime.banner) process.stderr.write(`${line}\n`);
  return runtime;
}

/** Names one run of a tool; built-in functions derive their document ids from it. */
export function newExecutionId(tool: string): string {
  return `${tool}-${new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z")}-${randomBytes(3).toString("hex")}`;
}

/** The reason a run failed, with where: `step "2" (steps[1]) failed: ... [model_error, HTTP 503, 6 attempts]`. */
export function formatRunError(error: RunError): string {
  const where =
    error.step_id !== undefined
      ? `step ${JSON.stringify(error.step_id)}${error.path ? ` (${error.path})` : ""}`
      : error.path
        ? error.path
        : "the run";
  const details: string[] = [error.code];
  if (error.status !== undefined) details.push(`HTTP ${error.status}`);
  if (error.attempts) details.push(`${error.attempts} attempt${error.attempts === 1 ? "" : "s"}`);
  return `${where} failed: ${error.message} [${details.join(", ")}]`;
}

/** One terse progress line per step: `step 2/3 "2" explain_joke: success 12 ms, 340 tokens`. */
export function formatStepProgress(record: StepRecord, index: number, total: number): string {
  const name = record.name ? ` ${record.name}` : "";
  const warnings = record.warnings.length ? `, ${record.warnings.length} warning${record.warnings.length === 1 ? "" : "s"}` : "";
  return `  step ${index + 1}/${total} ${JSON.stringify(record.step_id)}${name}: ${record.status} ${Math.round(record.latency_ms)} ms, ${record.usage.total_tokens} tokens${warnings}`;
}

export function printJson(value: unknown, pretty: boolean): void {
  process.stdout.write(`${pretty ? JSON.stringify(value, null, 2) : JSON.stringify(value)}\n`);
}
