// The regex of an extraction rule, compiled by RE2 (the pure-JS re2js port): matching takes time linear in the
// answer, whatever the pattern, so no rule can hold an instance's event loop (JavaScript's own engine backtracks:
// `(a+)+$` on forty a's and a "!" runs for hours). The price is RE2's syntax: no lookaround, no backreferences.
import { RE2JS } from "re2js";

export type RuleRegex = RE2JS;

const FLAG_BITS: Readonly<Record<string, number>> = {
  i: RE2JS.CASE_INSENSITIVE,
  m: RE2JS.MULTILINE,
  s: RE2JS.DOTALL,
  // RE2 always matches by code point, as JavaScript does with `u`.
  u: 0,
};

/** Compiles a rule's regex with its flags (some of i, m, s, u); throws RE2's syntax error when it does not compile. */
export function compileRuleRegex(source: string, flags = ""): RuleRegex {
  let bits = 0;
  for (const flag of flags) bits |= FLAG_BITS[flag] ?? 0;
  return RE2JS.compile(source, bits);
}

/** RE2's syntax error, with what a user of JavaScript regexes needs to know to fix it. */
export function regexSyntaxProblem(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `regex does not compile: ${message} (rules use RE2 syntax: no lookahead, lookbehind or backreferences)`;
}
