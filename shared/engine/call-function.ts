// The function-call half of a step: interpolate the request as JSON, call the built-in function with retries.
import { DEFAULT_RETRY, realRetryEnv, withRetry } from "../models/retry";
import { interpolateRequest } from "./interpolate-request";
import { StepFailure } from "./run-error";
import { checkSize, fillTemplate, type StepScope } from "./step-scope";

/** A storage write either works on a second or third try or needs a person: more attempts only add delay. */
const MAX_FUNCTION_ATTEMPTS = 3;

/** Returns the function's result text; throws what the call threw (the step turns it into a RunError). */
export async function callFunction(scope: StepScope): Promise<string> {
  const { step, at, record, options } = scope;
  const call = step.function_call_config!;
  record.function_name = call.function_name;
  const fn = options.functions[call.function_name];
  if (!fn) throw new StepFailure("invalid_config", `unknown function "${call.function_name}"`, `${at}.function_call_config.function_name`);
  const request = fillTemplate(scope, call.request, "function_call_config.request", interpolateRequest);
  record.request = request;
  checkSize(scope, request.length, "function_call_config.request", "request");
  const context = {
    executionId: scope.executionId,
    stepId: record.step_id,
    sink: options.sink,
    ...(options.logCollections ? { allowedCollections: options.logCollections } : {}),
    ownerUid: options.ownerUid,
    onWrite: (collection: string, documentId: string) => (record.logged_row = { collection, document_id: documentId }),
  };
  const policy = options.retry ?? DEFAULT_RETRY;
  const { value } = await withRetry(
    (attempt) => ((record.attempts = attempt), fn(request, context)),
    { ...policy, maxAttempts: Math.min(MAX_FUNCTION_ATTEMPTS, policy.maxAttempts) },
    options.retryEnv ?? realRetryEnv,
    options.signal,
  );
  return value;
}
