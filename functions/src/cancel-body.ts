// The cancelJob and cancelBatch callables' bodies, loaded on the first call: the caller is checked (signed in,
// admitted by SUBMITTERS), then the shared owner-checked cancel, whose result becomes the answer or an HttpsError.
import { logger } from "firebase-functions";
import { admittedCaller } from "./caller";
import { httpsProvider } from "./https-provider";
import { formatIssues } from "../../shared/config/config-issue";
import { cancelOwnedBatch, cancelOwnedJob, type CancelOwnedResult } from "../../shared/batch/cancel-owned";
import { getDb } from "../../shared/pipeline/firestore";
import type { Caller } from "../../shared/pipeline/submit-access";

const { HttpsError } = httpsProvider();

export interface CancelAnswer {
  path: string;
  status: "cancelled";
  running_task?: boolean;
  cancelled_jobs?: number;
}

export async function onCancelJob(auth: Caller | undefined, data: unknown): Promise<CancelAnswer> {
  const uid = admittedCaller(auth, "cancel a job");
  const result = await cancelOwnedJob({ db: await getDb() }, uid, data);
  logger.info(`cancelJob by ${uid}: ${result.kind}`, result);
  return toCancelAnswer(result);
}

export async function onCancelBatch(auth: Caller | undefined, data: unknown): Promise<CancelAnswer> {
  const uid = admittedCaller(auth, "cancel a batch");
  const result = await cancelOwnedBatch({ db: await getDb() }, uid, data);
  logger.info(`cancelBatch by ${uid}: ${result.kind}`, result);
  return toCancelAnswer(result);
}

/** The answer for a cancel that took place; every other result an HttpsError that says what was wrong. */
export function toCancelAnswer(result: CancelOwnedResult): CancelAnswer {
  switch (result.kind) {
    case "cancelled":
      return { path: result.path, status: "cancelled", ...result.detail };
    case "invalid":
      throw new HttpsError("invalid-argument", `invalid request:\n${formatIssues(result.issues)}`, { issues: result.issues });
    case "not_found":
      throw new HttpsError("not-found", result.reason);
    case "not_yours":
      throw new HttpsError("permission-denied", result.reason);
    case "ended":
      throw new HttpsError("failed-precondition", result.reason);
  }
}
