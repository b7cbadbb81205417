// Flag parsing for the command-line tools: the original's single-dash flags (`-input_path=FILE`) and the usual double-dash forms.
import { parseArgs } from "node:util";

export interface FlagSpec {
  type: "string" | "boolean";
  /** The value's placeholder in the usage text, e.g. FILE. */
  value?: string;
  description: string;
  required?: boolean;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

export interface PositionalSpec {
  name: string;
  description: string;
  required?: boolean;
  /** Takes every remaining argument. */
  variadic?: boolean;
}

export interface ToolSpec<F extends FlagSpecs> {
  /** The npm script name, e.g. `task-runner`. */
  name: string;
  summary: string;
  flags: F;
  positionals?: readonly PositionalSpec[];
  examples?: readonly string[];
}

export type FlagValues<F extends FlagSpecs> = {
  -readonly [K in keyof F]: F[K] extends { type: "boolean" } ? boolean : F[K] extends { required: true } ? string : string | undefined;
};

export type CliArgs<F extends FlagSpecs> = { help: true } | { help: false; values: FlagValues<F>; positionals: string[] };

/** Wrong flags, missing flags, unreadable input: the caller's mistake, reported with the usage text (exit 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Keeps the flag names literal so that `values` is typed per flag. */
export function defineTool<const F extends FlagSpecs>(spec: ToolSpec<F>): ToolSpec<F> {
  return spec;
}

const HELP = new Set(["-h", "--help", "-help"]);
const FLAG = /^--?([A-Za-z][\w-]*)(=[\s\S]*)?$/;

/**
 * Accepts `-name=value`, `-name value`, `--name=value`, `--name value` and kebab-case `--name-value`; the
 * names are snake_case as in the original. `--help`, `-help` or `-h` anywhere wins over everything else.
 */
export function parseCli<F extends FlagSpecs>(spec: ToolSpec<F>, argv: readonly string[]): CliArgs<F> {
  const args = normalize(spec, argv);
  if (args === "help") return { help: true };
  const options: Record<string, { type: "string" | "boolean" }> = {};
  for (const [name, flag] of Object.entries(spec.flags)) options[name] = { type: flag.type };
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  const wanted = spec.positionals ?? [];
  try {
    const parsed = parseArgs({ args, options, strict: true, allowPositionals: wanted.length > 0 });
    values = parsed.values;
    positionals = parsed.positionals;
  } catch (err) {
    throw new UsageError(describeParseError(err));
  }
  const required = wanted.filter((p) => p.required);
  if (positionals.length < required.length)
    throw new UsageError(`missing ${required[positionals.length]!.name}: ${required[positionals.length]!.description}`);
  if (!wanted.some((p) => p.variadic) && positionals.length > wanted.length) {
    throw new UsageError(`unexpected argument "${positionals[wanted.length]}"`);
  }
  for (const [name, flag] of Object.entries(spec.flags)) {
    if (flag.type === "boolean") values[name] = values[name] === true;
    else if (flag.required && !values[name]) throw new UsageError(`missing ${flagLabel(name, flag)}: ${flag.description}`);
  }
  return { help: false, values: values as FlagValues<F>, positionals };
}

/** Rewrites every accepted spelling to `--snake_name[=value]` for node's parseArgs; rejects unknown names. */
function normalize<F extends FlagSpecs>(spec: ToolSpec<F>, argv: readonly string[]): string[] | "help" {
  const end = argv.indexOf("--");
  if ((end === -1 ? argv : argv.slice(0, end)).some((token) => HELP.has(token))) return "help";
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === "--") {
      out.push(...argv.slice(i));
      break;
    }
    const match = FLAG.exec(token);
    if (!match) {
      out.push(token);
      continue;
    }
    const name = match[1]!.replace(/-/g, "_");
    if (name === "h" || name === "help") return "help";
    const flag = Object.hasOwn(spec.flags, name) ? spec.flags[name] : undefined;
    if (!flag) {
      const known = Object.entries(spec.flags).map(([n, f]) => flagLabel(n, f));
      throw new UsageError(`unknown flag ${token.replace(/=[\s\S]*$/, "")}; ${spec.name} takes ${[...known, "--help"].join(", ")}`);
    }
    let rest = match[2] ?? "";
    const next = argv[i + 1];
    if (flag.type === "boolean" && rest !== "") throw new UsageError(`${flagLabel(name, flag)} takes no value (got ${token})`);
    if (flag.type === "string" && rest === "") {
      // `-name value` becomes `--name=value`, so that a value starting with "-" is still a value unless it is a flag.
      if (next === undefined || isKnownFlag(spec, next)) throw new UsageError(`${token} needs a value: ${flagLabel(name, flag)}`);
      rest = `=${next}`;
      i++;
    }
    out.push(`--${name}${rest}`);
  }
  return out;
}

function isKnownFlag<F extends FlagSpecs>(spec: ToolSpec<F>, token: string): boolean {
  const name = FLAG.exec(token)?.[1]?.replace(/-/g, "_");
  return name !== undefined && (name === "h" || name === "help" || Object.hasOwn(spec.flags, name));
}

function describeParseError(err: unknown): string {
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    const arg = /'([^']*)'/.exec(message)?.[1] ?? message;
    return `unexpected argument "${arg}": flags take the form -name=value (a value with spaces needs quotes)`;
  }
  return message;
}

function flagLabel(name: string, flag: FlagSpec): string {
  return flag.type === "boolean" ? `--${name}` : `-${name}=${flag.value ?? "VALUE"}`;
}

export function formatUsage<F extends FlagSpecs>(spec: ToolSpec<F>): string {
  const entries = Object.entries(spec.flags);
  const positionals = (spec.positionals ?? []).map(
    (p) => `${p.required ? "<" : "[<"}${p.name}>${p.variadic ? "..." : ""}${p.required ? "" : "]"}`,
  );
  const synopsis = [
    ...positionals,
    ...entries.map(([name, flag]) => (flag.required ? flagLabel(name, flag) : `[${flagLabel(name, flag)}]`)),
  ];
  const rows: [string, string][] = [
    ...(spec.positionals ?? []).map((p): [string, string] => [`<${p.name}>`, p.description]),
    ...entries.map(([name, flag]): [string, string] => [flagLabel(name, flag), flag.description]),
  ];
  rows.push(["-h, --help", "show this help"]);
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = [
    `Usage: npm run ${spec.name} -- ${synopsis.join(" ")}`,
    "",
    spec.summary,
    "",
    "Flags:",
    ...rows.map(([label, text]) => `  ${label.padEnd(width)}  ${text}`),
    "",
    "Every flag takes one or two dashes, a value after = or a space, and - or _ in its name",
    "(-input_path=x, --input_path x, --input-path=x).",
  ];
  if (spec.examples?.length) lines.push("", "Examples:", ...spec.examples.map((e) => `  ${e}`));
  return `${lines.join("\n")}\n`;
}
