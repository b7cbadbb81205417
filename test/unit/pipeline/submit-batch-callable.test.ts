// The submitBatch callable's adapter: each result of the shared submitUserBatch becomes the answer or HttpsError a
// client acts on; and the request's own shape, refused before anything is read.
import type { HttpsError as HttpsErrorType } from "firebase-functions/v2/https";
import { describe, expect, it } from "vitest";
import { onSubmitBatch, toBatchResponse } from "../../../functions/src/submit-batch-body";
import { SubmitBatchRequestSchema } from "../../../shared/batch/submit-user-batch";
import { zodIssues } from "../../../shared/validation/validate-config";
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

describe("the submitBatch callable", () => {
  it("refuses a caller who is not signed in before doing anything else", async () => {
    await expect(onSubmitBatch(undefined, { batch: {} })).rejects.toMatchObject({
      code: "unauthenticated",
      message: match.stringContaining("sign in"),
    });
  });

  it("answers { batch_id } for a created batch, and the same for the same batch resubmitted (the engine's submit is idempotent)", () => {
    expect(toBatchResponse({ kind: "created", batchId: "b1", runsTotal: 3 })).toEqual({ batch_id: "b1" });
    expect(toBatchResponse({ kind: "resumed", batchId: "b1", runsTotal: 3 })).toEqual({ batch_id: "b1" });
  });

  it("refuses an invalid batch with one `path: message` line per problem, row numbers and all, and the issues as details", () => {
    const issues = [
      { path: "rows[2]", message: 'the row has no value for "city" (the entry task greet reads it)' },
      { path: "rows_file", message: "rows_file names a file on the submitting machine" },
      { path: "", message: "a batch needs inputs" },
    ];
    const error = thrown(() => toBatchResponse({ kind: "invalid", issues }));
    expect(error.code).toBe("invalid-argument");
    expect(error.message).toBe(
      'invalid batch (3 problems); nothing was created:\nrows[2]: the row has no value for "city" (the entry task greet reads it)\nrows_file: rows_file names a file on the submitting machine\na batch needs inputs',
    );
    expect(error.details).toEqual({ issues });
  });

  it("refuses a taken batch id (another batch, another user's, or one that has ended) with the engine's reason", () => {
    const error = thrown(() =>
      toBatchResponse({ kind: "exists", batchId: "taken", reason: "batches/taken already holds a different batch" }),
    );
    expect(error.code).toBe("already-exists");
    expect(error.message).toBe("batches/taken already holds a different batch");
    expect(error.details).toEqual({ batch_id: "taken" });
  });
});

describe("the submitBatch request", () => {
  it("is { batch }: a missing batch or another field is a `path: message` problem", () => {
    const problems = (request: unknown) => {
      const parsed = SubmitBatchRequestSchema.safeParse(request);
      return parsed.success ? [] : zodIssues(parsed.error).map((i) => i.path);
    };
    expect(problems({ batch: { batch_id: "x" } })).toEqual([]);
    expect(problems({})).toEqual(["batch"]);
    expect(problems({ batch: {}, job: {} })).toEqual(["job"]);
    expect(problems("text")).toEqual([""]);
  });
});
