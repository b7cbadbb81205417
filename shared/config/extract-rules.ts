// How a step takes an output variable from the model's answer: `output_config.extract`, one rule per variable.
import { z } from "zod";
import { DEFAULT_LIMITS } from "../limits";
import type { ConfigIssue } from "./config-issue";
import { compileRuleRegex, regexSyntaxProblem } from "./rule-regex";

const TAG_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const RULE_KINDS = ["tag", "json", "regex"] as const;
const RULE_SHAPES = '{"tag": "answer"}, {"json": "/data/answer"} or {"regex": "...", "group": 1}';

/**
 * One rule: `tag` takes the text inside the last <tag>...</tag>; `json` follows a JSON Pointer into a JSON answer;
 * `regex` takes a capture group (default 0, the whole match) of the first match, in RE2 syntax (rule-regex.ts). No transform: parsed configs are
 * stored and parsed again (a job's resolved chain), so the parsed shape must be the written one.
 */
export const ExtractRuleSchema = z
  .strictObject({
    tag: z.string().regex(TAG_NAME, "a tag name such as answer (letters, digits, _ . -)").optional(),
    json: z.string().optional(),
    regex: z.string().min(1, "regex must not be empty").optional(),
    group: z.union([z.number().int().min(0), z.string().min(1)], "group is a capture group's number or name").optional(),
    flags: z
      .string()
      .regex(/^(?!.*(.).*\1)[imsu]*$/, "flags are some of i, m, s, u, each once")
      .optional(),
  })
  .superRefine((rule, ctx) => {
    const kinds = RULE_KINDS.filter((kind) => rule[kind] !== undefined);
    if (kinds.length !== 1) {
      const what = kinds.length ? `gives ${kinds.join(" and ")}` : "gives none of tag, json, regex";
      ctx.addIssue({ code: "custom", message: `a rule takes exactly one of tag, json, regex but this one ${what}; write ${RULE_SHAPES}` });
    } else if (kinds[0] !== "regex" && (rule.group !== undefined || rule.flags !== undefined)) {
      ctx.addIssue({ code: "custom", message: "group and flags go with a regex rule only" });
    }
  });
export type ExtractRule = z.infer<typeof ExtractRuleSchema>;

export const ExtractRulesSchema = z.record(z.string(), ExtractRuleSchema);
export type ExtractRules = z.infer<typeof ExtractRulesSchema>;

/** How a rule reads in messages: `{"tag":"answer"}`. */
export function describeRule(rule: ExtractRule): string {
  return JSON.stringify(rule);
}

/**
 * Checks beyond shape, on the raw step: each rule names a declared output that is not a pass-through input nor
 * `context`, a regex compiles under RE2, is within MAX_REGEX_PROGRAM_SIZE and has the group it asks for, a pointer
 * is a JSON Pointer. Paths are relative to the step's `output_config.extract`.
 */
export function extractRuleIssues(
  rules: Record<string, unknown>,
  outputs: Record<string, unknown>,
  inputs: Record<string, unknown>,
  maxProgramSize: number = DEFAULT_LIMITS.regexProgramSize,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const [name, raw] of Object.entries(rules)) {
    const parsed = ExtractRuleSchema.safeParse(raw);
    if (!parsed.success) continue; // the shape errors come from the schema
    const rule = parsed.data;
    const problem =
      name === "context"
        ? "context always accumulates whole answers; extract into a variable of your own"
        : !Object.hasOwn(outputs, name)
          ? `names no output of this step; declare "${name}" in output_config.payload`
          : Object.hasOwn(inputs, name)
            ? `"${name}" is declared as an input too, so it passes the input through and a rule would never apply; declare it as an output only`
            : ruleProblem(rule, maxProgramSize);
    if (problem) issues.push({ path: /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `[${JSON.stringify(name)}]`, message: problem });
  }
  return issues;
}

function ruleProblem(rule: ExtractRule, maxProgramSize: number): string | undefined {
  if (rule.json !== undefined && rule.json !== "" && !rule.json.startsWith("/")) {
    return `json must be a JSON Pointer: "" for the whole answer, or starting with "/", such as "/data/answer"; got ${JSON.stringify(rule.json)}`;
  }
  if (rule.regex === undefined) return undefined;
  let compiled;
  try {
    compiled = compileRuleRegex(rule.regex, rule.flags);
  } catch (err) {
    return regexSyntaxProblem(err);
  }
  // RE2's matching time is linear in the answer but grows with the pattern's program: this bounds the product.
  const size = compiled.programSize();
  if (size > maxProgramSize)
    return `the regex compiles to a program of size ${size}, over MAX_REGEX_PROGRAM_SIZE (${maxProgramSize}); write a shorter pattern (fewer repeated items)`;
  const groups = compiled.groupCount();
  const names = Object.keys(compiled.namedGroups());
  const group = rule.group ?? 0;
  if (typeof group === "number" && group > groups)
    return `group ${group} does not exist: the regex has ${groups} capture group${groups === 1 ? "" : "s"}`;
  if (typeof group === "string" && !names.includes(group))
    return `group "${group}" does not exist: the regex names ${names.length ? names.join(", ") : "no groups"}`;
  return undefined;
}
