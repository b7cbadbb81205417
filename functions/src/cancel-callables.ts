// The cancelJob and cancelBatch callables: a signed-in user cancels a job or a batch of their own (the page's Cancel
// buttons). Each is defined only where it is served, as submitJob is (submit-job-callable.ts says why).
import { httpsProvider } from "./https-provider";
import type { CallableFunction, CallableRequest } from "firebase-functions/v2/https";
import type { CancelAnswer } from "./cancel-body";

export type CancelFunction = CallableFunction<unknown, Promise<CancelAnswer>>;

/** How many instances each may run: a cancel is a few reads and writes, and a flood of them must not crowd the project. */
export const CANCEL_MAX_INSTANCES = 5;

const target = process.env.FUNCTION_TARGET;
export const cancelJob: CancelFunction | undefined = !target || target === "cancelJob" ? defineCancel("job") : undefined;
export const cancelBatch: CancelFunction | undefined = !target || target === "cancelBatch" ? defineCancel("batch") : undefined;

function defineCancel(what: "job" | "batch"): CancelFunction {
  const { onCall } = httpsProvider();
  // ENFORCE_APP_CHECK as submitJob reads it (at load, from functions/.env at deploy).
  const enforceAppCheck = process.env.ENFORCE_APP_CHECK === "true";
  // A job's cancel is one transaction; a batch's pages through its rows (20 cancels at a time), so it gets the longest
  // a callable may wait on Firestore here. No model is called.
  return onCall(
    {
      enforceAppCheck,
      timeoutSeconds: what === "job" ? 60 : 300,
      memory: "512MiB",
      cpu: 1,
      concurrency: 80,
      maxInstances: CANCEL_MAX_INSTANCES,
    },
    async (request: CallableRequest<unknown>) => {
      const body = await import("./cancel-body");
      return what === "job" ? body.onCancelJob(request.auth, request.data) : body.onCancelBatch(request.auth, request.data);
    },
  );
}
