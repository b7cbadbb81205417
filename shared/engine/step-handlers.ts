// The step types: one handler each, behind one Record keyed by step_type. A new step type is its handler (a call that
// returns the answer text, in its own file), its config schema and validation, and one line here.
import { STEP_TYPE_FUNCTION_CALL, STEP_TYPE_MODEL_QUERY, type StepType } from "../config/config-schemas";
import type { EngineOptions } from "./engine-options";
import { callFunction } from "./call-function";
import { callModel } from "./call-model";
import type { StepRecord } from "./run-record";
import { priceStep } from "./step-cost";
import type { StepScope } from "./step-scope";

export interface StepHandler {
  /** The step_type the run record shows. */
  recordName: StepRecord["step_type"];
  /** Makes the step's call (with its retries) and returns the answer text; throws a StepFailure or the call's error. */
  call(scope: StepScope): Promise<string>;
  /** After the call, whether it succeeded or not: what the record still needs (a model step's cost). */
  settle?(record: StepRecord, options: EngineOptions): void;
}

export const STEP_HANDLERS: Readonly<Record<StepType, StepHandler>> = {
  [STEP_TYPE_MODEL_QUERY]: {
    recordName: "model_query",
    call: callModel,
    settle: (record, options) => {
      if (record.model) priceStep(record, options.prices);
    },
  },
  [STEP_TYPE_FUNCTION_CALL]: { recordName: "function_call", call: callFunction },
};
