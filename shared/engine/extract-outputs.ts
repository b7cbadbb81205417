// Output extraction: a step's declared outputs, and the accumulated `context`, after it answered.
import type { Payload } from "../config/config-schemas";
import { CONTEXT } from "./bind-inputs";

/**
 * A declared output that is also a declared input passes the input through; any other takes the response.
 * `context` becomes the previous context, a blank line, then the response (or just the response).
 */
export function extractOutputs(
  declaredOutputs: Readonly<Payload>,
  declaredInputs: Readonly<Payload>,
  inputs: Readonly<Payload>,
  response: string,
): Payload {
  const outputs: Payload = {};
  for (const name in declaredOutputs) {
    outputs[name] = Object.hasOwn(declaredInputs, name) ? inputs[name]! : response;
  }
  const previous = Object.hasOwn(inputs, CONTEXT) ? inputs[CONTEXT] : undefined;
  outputs[CONTEXT] = previous ? `${previous}\n\n${response}` : response;
  return outputs;
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
