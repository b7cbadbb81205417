// The ValidationContext the pipeline validates configs with, built from the environment alone: the callable
// needs the same checks as the triggers but no model provider (createPipelineRuntime would start a Gemini stand-in).
import { BUILTIN_FUNCTIONS } from "../builtins/builtin-registry";
import type { ValidationContext } from "../validation/validate-config";
import { DEFAULT_MAX_PROMPT_CHARS } from "../engine/run-step";
import { buildModelTable, MODEL_TABLE_ENV } from "../providers/model-table";

/** As createPipelineRuntime assembles it: the model table with LLM_MODEL_TABLE merged in, the built-ins, MAX_PROMPT_CHARS. */
export function validationFromEnv(env: NodeJS.ProcessEnv = process.env): ValidationContext {
  const maxPromptChars = Number(env.MAX_PROMPT_CHARS);
  return {
    modelTable: buildModelTable(env[MODEL_TABLE_ENV]),
    functions: BUILTIN_FUNCTIONS,
    maxPromptChars:
      env.MAX_PROMPT_CHARS && Number.isFinite(maxPromptChars) && maxPromptChars > 0 ? maxPromptChars : DEFAULT_MAX_PROMPT_CHARS,
  };
}
