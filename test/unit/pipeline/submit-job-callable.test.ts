// The submitJob callable's adapter: each result of the shared submitJob becomes the answer or HttpsError a client
// acts on; and the settings it reads from the environment.
import type { HttpsError as HttpsErrorType } from "firebase-functions/v2/https";
import { describe, expect, it } from "vitest";
import { onSubmitJob, toResponse } from "../../../functions/src/submit-job-body";
import { DEFAULT_LIMITS, readLimits } from "../../../shared/limits";
import { validationFromEnv } from "../../../shared/pipeline/validation-from-env";
import { httpsProvider } from "../../../functions/src/https-provider";
import { match } from "../../support/matchers";

// The class the callables throw: the CommonJS build's, as in the deployed bundle (functions/src/https-provider.ts).
const { HttpsError } = httpsProvider();
type HttpsError = HttpsErrorType;

function thrown(fn: () => unknown): HttpsError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HttpsError);
    return error as HttpsError;
  }
  throw new Error("expected an HttpsError");
}

describe("the submitJob callable", () => {
  it("refuses a caller who is not signed in before doing anything else", async () => {
    await expect(onSubmitJob(undefined, { job: {} })).rejects.toMatchObject({
      code: "unauthenticated",
      message: match.stringContaining("sign in"),
    });
  });

  it("answers { job_id } for a created job", () => {
    expect(toResponse({ kind: "created", jobId: "j1" })).toEqual({ job_id: "j1" });
  });

  it("refuses an invalid job with one `path: message` line per problem, and the issues as details", () => {
    const issues = [
      { path: "task_config.steps[0].model_query_config.model_key", message: 'unknown model key "X"' },
      { path: "", message: "the job is too large" },
    ];
    const error = thrown(() => toResponse({ kind: "invalid", issues }));
    expect(error.code).toBe("invalid-argument");
    expect(error.message).toBe(
      'invalid job (2 problems):\ntask_config.steps[0].model_query_config.model_key: unknown model key "X"\nthe job is too large',
    );
    expect(error.details).toEqual({ issues });
  });

  it("refuses a user at the limit, saying the limit and how to raise it", () => {
    const error = thrown(() => toResponse({ kind: "limit_reached", active: 20, limit: 20 }));
    expect(error.code).toBe("resource-exhausted");
    expect(error.message).toContain("limit of 20 per user");
    expect(error.message).toContain("MAX_RUNNING_JOBS_PER_USER");
  });

  it("refuses a job id that is taken, naming it", () => {
    const error = thrown(() => toResponse({ kind: "exists", jobId: "taken" }));
    expect(error.code).toBe("already-exists");
    expect(error.message).toContain("jobs/taken already exists");
  });
});

describe("the callable's settings from the environment", () => {
  it("MAX_RUNNING_JOBS_PER_USER: a positive integer, 20 when unset; anything else is an error naming the setting", () => {
    expect(readLimits({}).runningJobsPerUser).toBe(20);
    expect(readLimits({ MAX_RUNNING_JOBS_PER_USER: "3" }).runningJobsPerUser).toBe(3);
    for (const bad of ["0", "-1", "2.5", "many"])
      expect(() => readLimits({ MAX_RUNNING_JOBS_PER_USER: bad })).toThrow(/MAX_RUNNING_JOBS_PER_USER=.*is not a whole number above 0/);
  });

  it("validates with the pipeline's model table (LLM_MODEL_TABLE merged in) and prompt limit", () => {
    const validation = validationFromEnv({ LLM_MODEL_TABLE: '{"MY_MODEL":"gemini-3.5-flash"}', MAX_PROMPT_CHARS: "500" });
    expect(validation.modelTable.MY_MODEL).toBeDefined();
    expect(validation.modelTable.GEMINI_FLASH).toBeDefined();
    expect(validation.limits?.promptChars).toBe(500);
    expect(validationFromEnv({}).limits).toEqual(DEFAULT_LIMITS);
    expect(() => validationFromEnv({ MAX_STEPS_PER_TASK: "many" })).toThrow(/MAX_STEPS_PER_TASK="many"/);
  });
});
