// The submitJob callable's body, loaded on the first call: runs the shared submitJob and turns its result into
// the callable's answer or an HttpsError a client can act on.
import { logger } from "firebase-functions";
import { admittedCaller } from "./caller";
import { httpsProvider } from "./https-provider";
import { formatIssues } from "../../shared/config/config-issue";
import { readLimits } from "../../shared/limits";
import { getDb } from "../../shared/pipeline/firestore";
import type { Caller } from "../../shared/pipeline/submit-access";
import { submitUserJob, type SubmitJobDeps, type SubmitJobResult } from "../../shared/pipeline/submit-user-job";
import { validationFromEnv } from "../../shared/pipeline/validation-from-env";

const { HttpsError } = httpsProvider();

let deps: Promise<SubmitJobDeps> | undefined;

function getDeps(): Promise<SubmitJobDeps> {
  deps ??= (async () => ({
    db: await getDb(),
    validation: validationFromEnv(process.env),
    maxRunningJobs: readLimits(process.env).runningJobsPerUser,
  }))();
  return deps;
}

export async function onSubmitJob(auth: Caller | undefined, data: unknown): Promise<{ job_id: string }> {
  const uid = admittedCaller(auth, "submit a job");
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
        `you already have ${result.active} jobs or batch runs queued or running, the limit of ${result.limit} per user: ` +
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
