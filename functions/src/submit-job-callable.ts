// The submitJob callable: a signed-in user submits a job config; it becomes jobs/{id}, owned by them and queued.
import { httpsProvider } from "./https-provider";
import type { CallableFunction, CallableRequest } from "firebase-functions/v2/https";

export type SubmitJobFunction = CallableFunction<unknown, Promise<{ job_id: string }>>;

/**
 * firebase-functions' https provider loads firebase-admin/auth at once (about 100 ms, as long again as the rest
 * of this module's load). An instance serving a trigger, whose name FUNCTION_TARGET gives (Cloud Functions and
 * the emulator's workers set it), leaves the callable undefined so that its cold start stays small; deploy-time
 * discovery sets no target and sees every function.
 */
const target = process.env.FUNCTION_TARGET;
export const submitJob: SubmitJobFunction | undefined = !target || target === "submitJob" ? defineSubmitJob() : undefined;

function defineSubmitJob(): SubmitJobFunction {
  // require, not a static import: that would load the provider in every instance, whatever it serves.
  const { onCall } = httpsProvider();
  // Read at load: deploy-time discovery loads functions/.env first, so ENFORCE_APP_CHECK=true there makes the
  // platform refuse calls without a valid App Check token. Off by default: a project must set App Check up in
  // its clients before turning it on, or every call would be refused.
  const enforceAppCheck = process.env.ENFORCE_APP_CHECK === "true";
  // One validation, one count and one create: a short call that waits on Firestore, so one instance serves
  // many callers at once (concurrency above 1 needs a whole vCPU). No Gemini key: it never calls a model.
  return onCall(
    { enforceAppCheck, timeoutSeconds: 60, memory: "512MiB", cpu: 1, concurrency: 80, maxInstances: 5 },
    async (request: CallableRequest<unknown>) => {
      const { onSubmitJob } = await import("./submit-job-body");
      return onSubmitJob(request.auth, request.data);
    },
  );
}
