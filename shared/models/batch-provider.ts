// What a provider's batch API adapter does (execution "provider_batch"): submit many model requests as one vendor batch
// job, find that job again after a crash, read its state, read its results by key, cancel it. Each provider that has a
// batch API implements it in its folder (shared/providers/<name>/<name>-batch.ts); the pipeline groups, tracks and
// resumes the waiting tasks.
import type { ModelCallError } from "./model-call-error";
import type { ModelRequest, ModelResult } from "./model-provider";

/** One model call in a vendor batch: the response store's key (a vendor's custom_id or metadata key) and the request. */
export interface BatchRequest {
  /** Matches the result to the request (never the position): 1 to 64 characters of [A-Za-z0-9_-]. */
  key: string;
  request: Omit<ModelRequest, "signal">;
}

/** A vendor batch job's state, in words every vendor's states map onto. */
export type VendorJobState =
  | "pending" // accepted, not yet running (queued, validating)
  | "running" // running, finalizing, or cancelling
  | "ended"; // succeeded, partially succeeded, failed, expired or cancelled: results (if any) can be read

export interface VendorJobStatus {
  state: VendorJobState;
  /** When ended: how it ended, as the vendor said it (SUCCEEDED, ended, completed, EXPIRED, cancelled, ...). */
  vendorState: string;
  /** When ended: the job as a whole failed or expired and has no results (its requests must all be sent again). */
  noResults?: boolean;
  /** A vendor's message about the job as a whole (a failed job's error). */
  message?: string;
}

/** What a vendor answered for one request of an ended job. */
export type BatchItemResult =
  | { key: string; kind: "answered"; result: ModelResult }
  /** The vendor's error for this request, mapped as a synchronous call's would be (isRetryable decides a resubmission). */
  | { key: string; kind: "failed"; error: ModelCallError }
  /** The request was not run: the job expired or was cancelled before it, or the vendor dropped it. Resubmit it. */
  | { key: string; kind: "not_run"; reason: string };

/** A vendor job as submitted: its name is what get/results/cancel take. */
export interface VendorJobRef {
  name: string;
}

export interface BatchLimits {
  /** Requests one vendor job may hold. */
  maxRequests: number;
  /** Bytes of one vendor job's input (inline body or uploaded file). */
  maxBytes: number;
}

/**
 * What the caller recorded with its intent to submit, for find() at a vendor whose jobs carry no name or metadata
 * (Anthropic's Message Batches: a job is known by its id, creation time and request count only). Vendors that store the
 * display name ignore it.
 */
export interface FindHint {
  /** The keys of the requests the job was created with. */
  keys: readonly string[];
  /** When the intent was recorded, just before the create call. */
  intentAt: Date;
}

/**
 * find() saw vendor jobs that may be the one and cannot tell yet which (a vendor whose jobs carry no name can only be
 * told apart once they end): do not submit again; ask again later.
 */
export class VendorJobUndecided extends Error {
  constructor(
    message: string,
    readonly candidates: readonly string[],
  ) {
    super(message);
    this.name = "VendorJobUndecided";
  }
}

export interface BatchProvider {
  readonly name: string;
  readonly limits: BatchLimits;
  /** The bytes `requests` take in a vendor job's input, to group them within `limits.maxBytes`. */
  requestBytes(request: BatchRequest): number;
  /**
   * Creates one vendor job for requests of one model. Not idempotent at the vendor: the caller records its intent
   * (displayName) before, and after a crash calls find(displayName) before submitting again.
   */
  submit(model: string, requests: readonly BatchRequest[], displayName: string): Promise<VendorJobRef>;
  /**
   * The vendor job created with this displayName (its display name or metadata), if one exists. A vendor whose jobs
   * carry no name needs `hint`, and throws VendorJobUndecided while it cannot tell.
   */
  find(displayName: string, hint?: FindHint): Promise<VendorJobRef | undefined>;
  status(job: VendorJobRef): Promise<VendorJobStatus>;
  /**
   * Every result of an ended job, by key, in the vendor's order (not the input's). `submittedKeys`, when given, are the
   * keys the job was created with: each key the vendor gave no result for comes last as not_run (a Gemini job leaves a
   * dropped request out, and an expired or cancelled one has no results at all), so every submitted key is answered.
   */
  results(job: VendorJobRef, submittedKeys?: readonly string[]): AsyncIterable<BatchItemResult>;
  cancel(job: VendorJobRef): Promise<void>;
}
