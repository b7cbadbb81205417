// The submitBatch callable: a signed-in user submits a batch config; it becomes batches/{id}, owned by them, and its
// runs go to the admission queue (admitBatchRow), exactly as `npm run batch -- submit` would do it.
import { httpsProvider } from "./https-provider";
import type { CallableFunction, CallableRequest } from "firebase-functions/v2/https";

export type SubmitBatchFunction = CallableFunction<unknown, Promise<{ batch_id: string }>>;

/** Defined only where it is served, as submitJob is (submit-job-callable.ts says why): a trigger's cold start stays small. */
const target = process.env.FUNCTION_TARGET;
export const submitBatch: SubmitBatchFunction | undefined = !target || target === "submitBatch" ? defineSubmitBatch() : undefined;

function defineSubmitBatch(): SubmitBatchFunction {
  const { onCall } = httpsProvider();
  // ENFORCE_APP_CHECK as submitJob reads it (at load, from functions/.env at deploy).
  const enforceAppCheck = process.env.ENFORCE_APP_CHECK === "true";
  // A batch of thousands of runs is thousands of enqueue requests (32 at a time): 540 s leaves room for the largest;
  // a call cut short is finished by calling again with the same batch (the submit is idempotent). No model is called.
  return onCall(
    { enforceAppCheck, timeoutSeconds: 540, memory: "512MiB", cpu: 1, concurrency: 80, maxInstances: 5 },
    async (request: CallableRequest<unknown>) => {
      const { onSubmitBatch } = await import("./submit-batch-body");
      return onSubmitBatch(request.auth, request.data);
    },
  );
}
