// The submitJob callable: a signed-in user submits a job config; it becomes jobs/{id}, owned by them and queued.
import { onCall } from "firebase-functions/v2/https";

/**
 * Read when the module loads: deploy-time discovery loads functions/.env first, so ENFORCE_APP_CHECK=true there
 * makes the platform refuse calls without a valid App Check token. Off by default: a project must set App Check
 * up in its clients before turning it on, or every call would be refused.
 */
const enforceAppCheck = process.env.ENFORCE_APP_CHECK === "true";

/**
 * One validation, one count and one create: a short call that waits on Firestore, so one instance serves many
 * callers at once (concurrency above 1 needs a whole vCPU). No Gemini key: it never calls a model.
 */
export const submitJob = onCall({ enforceAppCheck, timeoutSeconds: 60, memory: "512MiB", cpu: 1, concurrency: 80 }, async (request) => {
  const { onSubmitJob } = await import("./callables");
  return onSubmitJob(request.auth?.uid, request.data);
});
