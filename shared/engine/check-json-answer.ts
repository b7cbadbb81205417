// A step that gave a response_schema gets JSON of that shape, or fails with extraction_failed saying where it differs.
import type { GenerationConfig } from "../config/generation-config";
import { StepFailure } from "./run-error";
import { schemaProblems } from "./schema-problems";
import type { StepScope } from "./step-scope";

export function checkJsonAnswer(scope: StepScope, text: string, config: GenerationConfig): void {
  if (!config.responseSchema || config.responseMimeType?.trim().toLowerCase() !== "application/json") return;
  const path = `${scope.at}.model_query_config.parameters.response_schema`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    scope.record.response = text; // the answer, for whoever reads the record
    throw new StepFailure("extraction_failed", `the answer is not the JSON the response_schema asks for: ${(err as Error).message}`, path);
  }
  const problems = schemaProblems(config.responseSchema, value);
  if (problems.length) {
    scope.record.response = text;
    throw new StepFailure("extraction_failed", `the JSON answer does not match the step's response_schema: ${problems.join("; ")}`, path);
  }
}
