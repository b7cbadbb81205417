// The ValidationContext the pipeline validates configs with, built from the environment alone: the callable
// needs the same checks as the triggers but no model provider (createPipelineRuntime would start a Gemini stand-in).
import { BUILTIN_FUNCTIONS } from "../builtins/builtin-registry";
import type { ValidationContext } from "../validation/validate-config";
import { buildModelTable, MODEL_TABLE_ENV } from "../providers/model-table";
import { readLimits } from "../limits";

/**
 * As createPipelineRuntime assembles it: the model table with LLM_MODEL_TABLE merged in, the built-ins, the limits
 * (shared/limits.ts). Throws, naming the setting, on a limit that is not a valid number: a deployment never runs on a
 * limit it did not mean.
 */
export function validationFromEnv(env: NodeJS.ProcessEnv = process.env): ValidationContext {
  return { modelTable: buildModelTable(env[MODEL_TABLE_ENV]), functions: BUILTIN_FUNCTIONS, limits: readLimits(env) };
}
