// Runs one step: bind inputs, make the call of its type (step-handlers.ts), extract outputs.
import type { Payload, StepConfig } from "../config/config-schemas";
import { describeRule, type ExtractRules } from "../config/extract-rules";
import { RetryError } from "../models/retry";
import type { EngineOptions } from "./engine-options";
import { bindInputs } from "./bind-inputs";
import { extractOutputs } from "./extract-outputs";
import { StepFailure, StepWaiting, toRunError } from "./run-error";
import type { StepRecord, WaitingCall } from "./run-record";
import { addUsage, ZERO_USAGE, type TokenUsage } from "../models/token-usage";
import { STEP_HANDLERS } from "./step-handlers";
import { limitsOf, type StepScope } from "./step-scope";

export interface StepRun {
  record: StepRecord;
  /** The running payload for the next step; undefined when the step failed (or waits). */
  outputs?: Payload;
  /** Provider batch mode: the call the step waits for; the run ends `waiting`. */
  waiting?: WaitingCall;
}

/** Never throws for a failure of the step: the record says `failed` with a RunError a user can act on. */
export async function runStep(
  step: StepConfig,
  running: Readonly<Payload>,
  context: { executionId: string; index: number; taskId?: string; heldChars?: number; asked?: Map<string, number> },
  options: EngineOptions,
): Promise<StepRun> {
  const started = performance.now();
  const { inputs, missing } = bindInputs(step.input_config.payload, running);
  const handler = STEP_HANDLERS[step.step_type];
  const record: StepRecord = {
    step_id: step.id || String(context.index),
    name: step.name,
    step_type: handler.recordName,
    response: null,
    status: "failed",
    latency_ms: 0,
    attempts: 0,
    usage: ZERO_USAGE,
    warnings: missing.map((name) => `input "${name}" is not in the running payload; using the step's default`),
  };
  const run = { taskId: context.taskId ?? "", heldChars: context.heldChars ?? 0, asked: context.asked ?? new Map<string, number>() };
  const scope: StepScope = { step, at: `steps[${context.index}]`, executionId: context.executionId, inputs, record, options, run };
  let outputs: Payload | undefined;
  try {
    const response = await handler.call(scope);
    record.response = response;
    outputs = await extractOrFail(scope, response);
    record.status = "success";
  } catch (err) {
    if (err instanceof StepWaiting) return { record, waiting: err.call };
    // A failed function call still produced the original's `{"status":"error",...}` text: keep it in the record.
    const response = ((err instanceof RetryError ? err.lastError : err) as { response?: unknown }).response;
    if (typeof response === "string") record.response = response;
    record.error = toRunError(err, { step_id: record.step_id, path: scope.at, attempts: record.attempts });
    outputs = undefined;
  }
  handler.settle?.(record, options);
  if (!(await recordSpend(record, options))) outputs = undefined;
  record.latency_ms = performance.now() - started;
  options.onStepEnd?.(record, context.index);
  return outputs ? { record, outputs } : { record };
}

/**
 * Tells the run's budgets what the step cost; false when that failed on a step that had succeeded, which then fails:
 * a cost the budgets do not know of would let the next call pass a budget already spent (fail closed).
 */
async function recordSpend(record: StepRecord, options: EngineOptions): Promise<boolean> {
  const cost = record.cost;
  if (!options.spend || !cost || (cost.usd === 0 && cost.unpriced_tokens === 0)) return true;
  try {
    await options.spend.recordStep(cost);
    return true;
  } catch (err) {
    const message = `the step's cost could not be recorded for the run's budgets, so the run stops here: ${err instanceof Error ? err.message : String(err)}; start the job again`;
    if (record.status !== "success") {
      record.warnings.push(message);
      return true;
    }
    record.status = "failed";
    record.error = { code: "internal", message, step_id: record.step_id, attempts: record.attempts, retryable: true };
    return false;
  }
}

/**
 * The step's outputs from its answer; a rule that finds nothing fails the step, naming the variable and the rule.
 * Rules run on at most MAX_EXTRACT_CHARS of answer, and the event loop turns between them, so that other tasks of the
 * instance go on and the run's time budget can stop a step with many rules.
 */
async function extractOrFail(scope: StepScope, response: string): Promise<Payload> {
  const { step } = scope;
  const rules = step.output_config.extract ?? {};
  checkExtractSize(scope, response, rules);
  const extracted = await extractOutputs(step.output_config.payload, step.input_config.payload, scope.inputs, response, rules, () =>
    betweenRules(scope),
  );
  if ("outputs" in extracted) return extracted.outputs;
  const { name, rule, problem } = extracted.failed;
  throw new StepFailure(
    "extraction_failed",
    `output "${name}" could not be extracted with the rule ${describeRule(rule)}: ${problem}; the whole answer is in the step's response`,
    `${scope.at}.output_config.extract.${name}`,
  );
}

function checkExtractSize(scope: StepScope, response: string, rules: Readonly<ExtractRules>): void {
  const { step } = scope;
  const limit = limitsOf(scope.options).extractChars;
  if (response.length <= limit) return;
  const applied = Object.keys(rules).find(
    (n) => Object.hasOwn(step.output_config.payload, n) && !Object.hasOwn(step.input_config.payload, n),
  );
  if (applied === undefined) return;
  throw new StepFailure(
    "limit_exceeded",
    `task ${JSON.stringify(scope.run.taskId)} step ${JSON.stringify(scope.record.step_id)}: the answer has ${response.length} characters, ` +
      `over MAX_EXTRACT_CHARS (${limit}), the most extraction rules run on; ask for a shorter answer (max_output_tokens), ` +
      "or take the whole answer (no rule) and extract in a later step",
    `${scope.at}.output_config.extract.${applied}`,
  );
}

async function betweenRules(scope: StepScope): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  if (scope.options.signal?.aborted)
    throw new StepFailure(
      "deadline_exceeded",
      "the run's time budget ran out while the output rules ran",
      `${scope.at}.output_config.extract`,
    );
}

export function sumUsage(records: readonly StepRecord[]): TokenUsage {
  return records.reduce((sum, r) => addUsage(sum, r.usage), ZERO_USAGE);
}
