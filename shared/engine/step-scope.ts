// What one running step carries through its phases, and the checks on its interpolated text.
import type { Payload, StepConfig } from "../config/config-schemas";
import { interpolate, type Interpolation } from "./interpolate";
import { StepFailure } from "./run-error";
import type { StepRecord } from "./run-record";
import type { EngineOptions } from "./engine-options";

export interface StepScope {
  step: StepConfig;
  /** The step's JSON path in the task config, `steps[i]`. */
  at: string;
  executionId: string;
  /** The bound inputs that `%name%` takes its values from. */
  inputs: Payload;
  /** Filled in as the step runs: what was sent, attempts, usage, warnings. */
  record: StepRecord;
  options: EngineOptions;
}

/**
 * About 250k tokens: far past what a chain step usually sends, below every current Gemini context window,
 * and small enough that the prompt still fits in the output document's run record.
 */
export const DEFAULT_MAX_PROMPT_CHARS = 1_000_000;

/** Interpolates one field; an unresolved name is a warning, or in strict mode a failure naming the field's path. */
export function fillTemplate(
  scope: StepScope,
  template: string,
  field: string,
  fill: (template: string, values: Readonly<Payload>) => Interpolation = interpolate,
): string {
  const { text, unresolved, refused } = fill(template, scope.inputs);
  if (refused?.length) throw new StepFailure("invalid_value", refused.join("; "), `${scope.at}.${field}`);
  if (unresolved.length) {
    const names = unresolved.map((n) => `%${n}%`).join(", ");
    const known = Object.keys(scope.inputs).join(", ") || "none";
    if (scope.options.strict)
      throw new StepFailure("unresolved_variable", `${names} in ${field} names no input (inputs: ${known})`, `${scope.at}.${field}`);
    scope.record.warnings.push(`${names} in ${field.split(".").pop()} names no input (inputs: ${known}); left as written`);
  }
  return text;
}

/** Fails the step unsent when its interpolated text passes MAX_PROMPT_CHARS. */
export function checkSize(scope: StepScope, chars: number, field: string, what: string): void {
  const limit = scope.options.maxPromptChars ?? DEFAULT_MAX_PROMPT_CHARS;
  if (chars > limit) {
    throw new StepFailure(
      "prompt_too_large",
      `the interpolated ${what} has ${chars} characters, over the limit of ${limit} (MAX_PROMPT_CHARS); shorten the inputs or carry less context`,
      `${scope.at}.${field}`,
    );
  }
}
