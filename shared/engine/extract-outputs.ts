// Output extraction: a step's declared outputs, and the accumulated `context`, after it answered.
import type { Payload } from "../config/config-schemas";
import type { ExtractRule, ExtractRules } from "../config/extract-rules";
import { applyExtractRule } from "./apply-extract-rule";
import { CONTEXT } from "./bind-inputs";

/** The outputs, or the first variable whose rule found nothing in the answer, with why. */
export type ExtractedOutputs = { outputs: Payload } | { failed: { name: string; rule: ExtractRule; problem: string } };

/**
 * A declared output that is also a declared input passes the input through; one with an extract rule takes what
 * the rule finds in the response; any other takes the whole response. `context` becomes the previous context, a
 * blank line, then the whole response (or just the response). `beforeRule` is awaited before each rule after the
 * first (the engine lets the event loop turn there).
 */
export async function extractOutputs(
  declaredOutputs: Readonly<Payload>,
  declaredInputs: Readonly<Payload>,
  inputs: Readonly<Payload>,
  response: string,
  rules: Readonly<ExtractRules> = {},
  beforeRule: () => Promise<void> = () => Promise.resolve(),
): Promise<ExtractedOutputs> {
  let applied = 0;
  const outputs: Payload = {};
  for (const name in declaredOutputs) {
    const rule = Object.hasOwn(rules, name) ? rules[name] : undefined;
    if (Object.hasOwn(declaredInputs, name)) outputs[name] = inputs[name]!;
    else if (!rule) outputs[name] = response;
    else {
      if (applied++) await beforeRule();
      const extracted = applyExtractRule(response, rule);
      if ("problem" in extracted) return { failed: { name, rule, problem: extracted.problem } };
      outputs[name] = extracted.value;
    }
  }
  const previous = Object.hasOwn(inputs, CONTEXT) ? inputs[CONTEXT] : undefined;
  outputs[CONTEXT] = previous ? `${previous}\n\n${response}` : response;
  return { outputs };
}

/** The task's output: each declared name from the last step's outputs when present, else its default. */
export function selectTaskOutput(declared: Readonly<Payload>, last: Readonly<Payload>): Payload {
  const output: Payload = {};
  for (const name in declared) {
    const value = Object.hasOwn(last, name) ? last[name] : undefined;
    output[name] = value ?? declared[name]!;
  }
  return output;
}
