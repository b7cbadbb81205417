// What one running step carries through its phases, and the checks on its interpolated text.
import type { Payload, StepConfig } from "../config/config-schemas";
import { DEFAULT_LIMITS, type Limits } from "../limits";
import { interpolate, interpolatedLength, type Interpolation } from "./interpolate";
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
  /**
   * The task this step belongs to, the characters its run already holds (MAX_RUN_CHARS), and how many of its model
   * calls asked each response key (response-cache.ts).
   */
  run: { taskId: string; heldChars: number; asked: Map<string, number> };
}

export const limitsOf = (options: EngineOptions): Limits => options.limits ?? DEFAULT_LIMITS;

/**
 * Interpolates one field; an unresolved name is a warning, or in strict mode a failure naming the field's path. The
 * length is measured before the text is built: a template naming a long value many times would otherwise allocate
 * far past MAX_PROMPT_CHARS (or past what the instance's memory holds) before the size check could refuse it.
 */
export function fillTemplate(
  scope: StepScope,
  template: string,
  field: string,
  fill: (template: string, values: Readonly<Payload>) => Interpolation = interpolate,
): string {
  const what = field.endsWith("request") ? "request" : "prompt";
  checkSize(scope, interpolatedLength(template, scope.inputs), field, what);
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

/**
 * Fails the step unsent when its interpolated text passes MAX_PROMPT_CHARS (`prompt_too_large`), or when it would take
 * the run past MAX_RUN_CHARS (`limit_exceeded`).
 */
export function checkSize(scope: StepScope, chars: number, field: string, what: string): void {
  const limits = limitsOf(scope.options);
  if (chars > limits.promptChars) {
    throw new StepFailure(
      "prompt_too_large",
      `the interpolated ${what} has ${chars} characters, over the limit of ${limits.promptChars} (MAX_PROMPT_CHARS); shorten the inputs or carry less context`,
      `${scope.at}.${field}`,
    );
  }
  const { taskId, heldChars } = scope.run;
  if (heldChars + chars > limits.runChars) {
    throw new StepFailure(
      "limit_exceeded",
      `task ${JSON.stringify(taskId)} step ${JSON.stringify(scope.record.step_id)}: its run holds ${heldChars} characters ` +
        `(prompts, requests, answers and the running payload) and this ${what} of ${chars} would pass MAX_RUN_CHARS ` +
        `(${limits.runChars}); carry less from step to step (context, long values), or split the work into chained tasks`,
      `${scope.at}.${field}`,
    );
  }
}
