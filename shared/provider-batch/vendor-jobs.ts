// A vendor job's life in vendor_jobs/: the vendor's create call after the intent, recording its name, ending it, and
// failing its requests when it cannot be created. The intent itself is recorded by submit-groups.ts.
import { randomUUID } from "node:crypto";
import { Timestamp, type DocumentSnapshot } from "firebase-admin/firestore";
import { COLLECTIONS } from "../collections";
import { toRunError } from "../engine/run-error";
import type { RunError } from "../engine/run-record";
import type { BatchProvider, BatchRequest, VendorJobRef } from "../models/batch-provider";
import { ModelCallError } from "../models/model-call-error";
import { VendorJobSchema, type BatchRequestDoc, type VendorJobDoc } from "./batch-request-schema";
import type { CollectorDeps } from "./collector-deps";
import { settleRequests, type RequestOutcome } from "./settle-requests";

export const vendorJobRef = (deps: Pick<CollectorDeps, "db">, id: string) => deps.db.collection(COLLECTIONS.vendorJobs).doc(id);

/** A vendor job's id, which is also its display name at the vendor: the provider, the time, and a random part. */
export function newVendorJobId(provider: string, nowMs: number): string {
  const time = new Date(nowMs).toISOString().replace(/[-:.]/g, "").slice(0, 15);
  return `${provider}-${time}-${randomUUID().slice(0, 8)}`;
}

export function readVendorJob(deps: Pick<CollectorDeps, "log">, snap: DocumentSnapshot): VendorJobDoc | undefined {
  if (!snap.exists) return undefined;
  const parsed = VendorJobSchema.safeParse(snap.data());
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
  deps.log?.("a vendor job document is malformed: left as it is", { vendorJob: snap.id, issues }, "error");
  return undefined;
}

/** A request as its adapter takes it. */
export function toBatchRequest(key: string, doc: BatchRequestDoc): BatchRequest {
  const { system_prompt, user_prompt, generation_config } = doc.request;
  return {
    key,
    request: {
      model: doc.model,
      route: doc.route,
      systemPrompt: system_prompt,
      userPrompt: user_prompt,
      generationConfig: generation_config,
    },
  };
}

/** The adapter of a route, or the RunError that says why there is none (no batch mode, no key). */
export function providerFor(deps: CollectorDeps, route: VendorJobDoc["route"]): BatchProvider | RunError {
  try {
    const provider = deps.providers(route);
    if (provider) return provider;
    return {
      code: "config_error",
      message: `provider "${route.provider}" (model "${route.model}") has no batch mode here: run this step without "execution": "provider_batch"`,
      retryable: false,
    };
  } catch (err) {
    return { ...toRunError(err, { attempts: 0 }), retryable: false };
  }
}

/**
 * The vendor's create call for an intent, then its name recorded. A retryable failure leaves the intent for a later
 * round to reconcile (find, else create again under the same id); any other fails the job's requests with the reason.
 */
export async function sendJob(
  deps: CollectorDeps,
  id: string,
  job: Pick<VendorJobDoc, "model" | "keys">,
  provider: BatchProvider,
  requests: readonly BatchRequest[],
  nowMs: number,
): Promise<void> {
  let ref: VendorJobRef;
  try {
    ref = await provider.submit(job.model, requests, id);
  } catch (err) {
    if (err instanceof ModelCallError && err.isRetryable) {
      deps.log?.(
        "a vendor batch job was not created: a later round finds it or creates it again",
        { vendorJob: id, error: err.message },
        "warning",
      );
      return;
    }
    await failVendorJob(deps, id, job.keys, { ...toRunError(err, { attempts: 1 }), retryable: false }, nowMs);
    return;
  }
  await recordName(deps, id, ref, provider, nowMs);
}

/** Records the vendor's name on the intent; a second vendor job for the same intent (never expected) is cancelled. */
export async function recordName(
  deps: CollectorDeps,
  id: string,
  ref: VendorJobRef,
  provider: BatchProvider,
  nowMs: number,
): Promise<void> {
  const kept = await deps.db.runTransaction(async (tx) => {
    const doc = readVendorJob(deps, await tx.get(vendorJobRef(deps, id)));
    if (doc?.state === "intent") {
      tx.update(vendorJobRef(deps, id), { state: "submitted", name: ref.name, submitted_at: Timestamp.fromMillis(nowMs) });
      return true;
    }
    return doc?.name === ref.name;
  });
  if (kept) return;
  deps.log?.("a second vendor batch job was created for one intent: cancelling it", { vendorJob: id, name: ref.name }, "error");
  await provider.cancel(ref);
}

/** Fails every request of a job that could not be created with the reason, resumes their waiters, and ends the job. */
export async function failVendorJob(
  deps: CollectorDeps,
  id: string,
  keys: readonly string[],
  error: RunError,
  nowMs: number,
): Promise<void> {
  const outcomes = new Map<string, RequestOutcome>(keys.map((key) => [key, { kind: "failed", error }]));
  await settleRequests(deps, outcomes, { state: "submitted", vendorJob: id }, nowMs);
  await endVendorJob(deps, id, nowMs, { vendor_state: "not created", message: error.message });
}

export async function endVendorJob(deps: CollectorDeps, id: string, nowMs: number, more: { vendor_state?: string; message?: string } = {}) {
  await vendorJobRef(deps, id).update({ state: "ended", ended_at: Timestamp.fromMillis(nowMs), ...more });
}
