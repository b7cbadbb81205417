// The submitJob callable's body, loaded on the first call: runs the shared submitJob and turns its result into
// the callable's answer or an HttpsError a client can act on.
import { logger } from "firebase-functions";
import { httpsProvider } from "./https-provider";
import { formatIssues } from "../../shared/config/config-issue";
import { getDb } from "../../shared/pipeline/firestore";
import { maxRunningJobsFromEnv, submitUserJob, type SubmitJobDeps, type SubmitJobResult } from "../../shared/pipeline/submit-user-job";
import { validationFromEnv } from "../../shared/pipeline/validation-from-env";

const { HttpsError } = httpsProvider();

let deps: Promise<SubmitJobDeps> | undefined;

function getDeps(): Promise<SubmitJobDeps> {
  deps ??= (async () => ({
    db: await getDb(),
    validation: validationFromEnv(process.env),
    maxRunningJobs: maxRunningJobsFromEnv(process.env),
  }))();
  return deps;
}

export async function onSubmitJob(uid: string | undefined, data: unknown): Promise<{ job_id: string }> {
  if (!uid)
    throw new HttpsError("unauthenticated", "submitJob needs a signed-in caller: sign in with Firebase Authentication, then call it again");
  const result = await submitUserJob(await getDeps(), uid, data);
  logger.info(`submitJob by ${uid}: ${result.kind}`, result.kind === "invalid" ? { problems: result.issues.length } : result);
  return toResponse(result);
}

/** The callable's answer for a created job; every other result becomes the HttpsError that says what to do. */
export function toResponse(result: SubmitJobResult): { job_id: string } {
  switch (result.kind) {
    case "created":
      return { job_id: result.jobId };
    case "invalid": {
      const count = `${result.issues.length} problem${result.issues.length === 1 ? "" : "s"}`;
      throw new HttpsError("invalid-argument", `invalid job (${count}):\n${formatIssues(result.issues)}`, { issues: result.issues });
    }
    case "limit_reached":
      throw new HttpsError(
        "resource-exhausted",
        `you already have ${result.active} jobs queued or running, the limit of ${result.limit} per user: ` +
          "wait for some to finish, or ask the project's operator to raise MAX_RUNNING_JOBS_PER_USER (functions/.env)",
        { active: result.active, limit: result.limit },
      );
    case "exists":
      throw new HttpsError(
        "already-exists",
        `jobs/${result.jobId} already exists: submit the job under another job_id, or leave job_id out for a generated one`,
        { job_id: result.jobId },
      );
  }
}
