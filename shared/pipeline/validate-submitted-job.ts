// Checks a job submitted through the submitJob callable: the request's shape, then the engine's own job validation.
import { z } from "zod";
import type { ConfigIssue } from "../config/config-issue";
import { describe, type JobConfig } from "../config/config-schemas";
import { countLimitIssues } from "../config/count-limits";
import { measureJson, requestSizeIssue } from "../config/json-size";
import { parseConfig, zodIssues, type ValidationContext } from "../validation/validate-config";
import { DEFAULT_LIMITS } from "../limits";
import type { Firestore } from "firebase-admin/firestore";
import { splitJobDocument } from "./job-document";
import { readLibraryTasks } from "./read-library-tasks";

/** What a client sends: `{ job: <a JobConfig> }`. The job itself is checked by parseConfig, with every problem at its path. */
export const SubmitJobRequestSchema = z.strictObject(
  {
    job: z.record(z.string(), z.unknown(), {
      error: (issue) =>
        `the request needs a job config object ({ job: { job_id, task_config, task_configs } }), got ${describe(issue.input)}`,
    }),
  },
  {
    error: (issue) =>
      issue.code === "invalid_type" ? `the request must be { job: <a job config> }, got ${describe(issue.input)}` : undefined,
  },
);
export type SubmitJobRequest = z.infer<typeof SubmitJobRequestSchema>;

export type SubmittedJobCheck = { ok: true; job: JobConfig } | { ok: false; issues: ConfigIssue[] };

/**
 * Paths of the job's problems are relative to the job, as config-reader prints them (`task_config.steps[0]...`);
 * only a malformed request itself is reported at `job`. Run-state fields (and owner_uid) belong to the pipeline.
 * Cheapest first: the request's size (MAX_JOB_BYTES), then its counts (tasks within the hop limit, steps per task),
 * and only then the library reads and the whole validation.
 */
export async function validateSubmittedJob(db: Firestore, validation: ValidationContext, raw: unknown): Promise<SubmittedJobCheck> {
  const limits = validation.limits ?? DEFAULT_LIMITS;
  if (measureJson(raw, limits.jobRequestBytes).over) {
    const advice = "split it into smaller jobs, or move long inputs out of the config";
    return { ok: false, issues: [requestSizeIssue("request", "MAX_JOB_BYTES", limits.jobRequestBytes, advice)] };
  }
  const request = SubmitJobRequestSchema.safeParse(raw);
  if (!request.success) return { ok: false, issues: zodIssues(request.error) };
  const { envelope, config } = splitJobDocument(request.data.job);
  const issues: ConfigIssue[] = Object.keys(envelope).map((field) => ({
    path: field,
    message: field === "owner_uid" ? "set from the caller's sign-in; leave it out" : "run state is written by the pipeline; leave it out",
  }));
  const { status, ...rest } = config;
  if (status !== undefined && status !== "queued") {
    issues.push({ path: "status", message: `a submitted job starts queued, got ${describe(status)}; leave status out` });
  }
  const counted = countLimitIssues("job", rest, limits);
  if (counted.length) return { ok: false, issues: [...issues, ...counted] };
  const library = await readLibraryTasks(db, rest, validation);
  const parsed = parseConfig("job", rest, { ...validation, libraryTasks: library.tasks });
  issues.push(...library.issues, ...(parsed.ok ? [] : parsed.issues));
  return parsed.ok && !issues.length ? { ok: true, job: parsed.value } : { ok: false, issues };
}
