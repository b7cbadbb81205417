// The submitBatch callable's body, loaded on the first call: runs the shared submitUserBatch and turns its result
// into the callable's answer or an HttpsError a client can act on.
import { logger } from "firebase-functions";
import { admittedCaller } from "./caller";
import { httpsProvider } from "./https-provider";
import { formatIssues } from "../../shared/config/config-issue";
import { submitUserBatch, type SubmitUserBatchDeps, type SubmitUserBatchResult } from "../../shared/batch/submit-user-batch";
import { createTaskQueueEnqueuer } from "../../shared/batch/task-queue";
import { getDb } from "../../shared/pipeline/firestore";
import type { Caller } from "../../shared/pipeline/submit-access";
import { validationFromEnv } from "../../shared/pipeline/validation-from-env";

const { HttpsError } = httpsProvider();

let deps: Promise<SubmitUserBatchDeps> | undefined;

/** The queue client as the CLI's: on Google's servers the function's own service account enqueues (the emulator's, locally). */
function getDeps(): Promise<SubmitUserBatchDeps> {
  deps ??= (async () => ({ db: await getDb(), validation: validationFromEnv(process.env), enqueue: await createTaskQueueEnqueuer() }))();
  return deps;
}

export async function onSubmitBatch(auth: Caller | undefined, data: unknown): Promise<{ batch_id: string }> {
  const uid = admittedCaller(auth, "submit a batch");
  const result = await submitUserBatch(await getDeps(), uid, data);
  logger.info(`submitBatch by ${uid}: ${result.kind}`, result.kind === "invalid" ? { problems: result.issues.length } : result);
  return toBatchResponse(result);
}

/** The callable's answer for an accepted batch (created, or the same batch resubmitted); every other result an HttpsError. */
export function toBatchResponse(result: SubmitUserBatchResult): { batch_id: string } {
  switch (result.kind) {
    case "created":
    case "resumed":
      return { batch_id: result.batchId };
    case "invalid": {
      const count = `${result.issues.length} problem${result.issues.length === 1 ? "" : "s"}`;
      throw new HttpsError("invalid-argument", `invalid batch (${count}); nothing was created:\n${formatIssues(result.issues)}`, {
        issues: result.issues,
      });
    }
    case "exists":
      throw new HttpsError("already-exists", result.reason, { batch_id: result.batchId });
  }
}
