// Flag parsing in-process: every spelling of a flag the tools accept, and every way a command line can be wrong.
import { describe, expect, it } from "vitest";
import { defineTool, formatUsage, parseCli, UsageError } from "../../../tools/cli-args";

const spec = defineTool({
  name: "demo",
  summary: "A demo tool.",
  flags: {
    input_path: { type: "string", value: "FILE", description: "the file", required: true },
    output_dir: { type: "string", value: "DIR", description: "the folder" },
    json: { type: "boolean", description: "print JSON" },
  },
});

const values = (argv: string[]) => {
  const parsed = parseCli(spec, argv);
  if (parsed.help) throw new Error("unexpected help");
  return parsed.values;
};

const usageError = (argv: string[]): string => {
  try {
    parseCli(spec, argv);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`no usage error for ${argv.join(" ")}`);
};

describe("parseCli", () => {
  it.each([
    [["-input_path=a.json"]],
    [["-input_path", "a.json"]],
    [["--input_path=a.json"]],
    [["--input_path", "a.json"]],
    [["--input-path=a.json"]],
    [["--input-path", "a.json"]],
  ])("reads %j as input_path a.json", (argv) => {
    expect(values(argv)).toEqual({ input_path: "a.json", output_dir: undefined, json: false });
  });

  it("reads booleans in either dash form, and a value starting with a dash", () => {
    expect(values(["-json", "-input_path", "-odd.json"])).toMatchObject({ json: true, input_path: "-odd.json" });
    expect(values(["--json", "--input_path=x", "--output-dir=out"])).toEqual({ input_path: "x", output_dir: "out", json: true });
  });

  it("keeps an `=` inside a value and an empty value as empty", () => {
    expect(values(["-input_path=a=b.json", "-output_dir="])).toMatchObject({ input_path: "a=b.json", output_dir: "" });
  });

  it.each([["-h"], ["--help"], ["-help"]])("returns help for %s, even next to bad flags", (flag) => {
    expect(parseCli(spec, ["--nonsense", flag])).toEqual({ help: true });
  });

  it.each([
    [["-input_path=a", "-verbose"], "unknown flag -verbose; demo takes -input_path=FILE, -output_dir=DIR, --json, --help"],
    [["-input_path=a", "--input=b"], "unknown flag --input;"],
    [["-output_dir=x"], "missing -input_path=FILE: the file"],
    [["-input_path="], "missing -input_path=FILE"],
    [["-input_path"], "-input_path needs a value: -input_path=FILE"],
    [["-input_path", "--json"], "-input_path needs a value"],
    [["-input_path=a", "--json=yes"], "--json takes no value (got --json=yes)"],
    [["-input_path=a", "extra"], 'unexpected argument "extra"'],
  ])("rejects %j", (argv, message) => {
    expect(usageError(argv)).toContain(message);
  });
});

describe("formatUsage", () => {
  it("shows the synopsis with required and optional flags, every flag, and the accepted spellings", () => {
    const text = formatUsage(spec);
    expect(text).toContain("Usage: npm run demo -- -input_path=FILE [-output_dir=DIR] [--json]");
    expect(text).toMatch(/^ {2}-input_path=FILE +the file$/m);
    expect(text).toMatch(/^ {2}-h, --help +show this help$/m);
    expect(text).toContain("--input-path=x");
  });
});
