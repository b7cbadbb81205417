// The documents of provider batch mode (docs/provider-batch.md): batch_requests/{key}, one model call waiting for or
// sent to a vendor batch job, and vendor_jobs/{id}, one vendor batch job, whose id is the display name the vendor was
// given. The park writes the first; the collector (collect-provider-batches.ts) reads and moves both.
import { Timestamp } from "firebase-admin/firestore";
import { z } from "zod";
import type { GenerationConfig } from "../config/generation-config";
import { RunErrorSchema } from "../engine/run-record";
import { ModelRouteSchema } from "../providers/model-table";

/** The generation config as the engine built it (config/generation-config.ts), read back from a document. */
export const GenerationConfigSchema = z.object({
  temperature: z.number().exactOptional(),
  topP: z.number().exactOptional(),
  topK: z.number().exactOptional(),
  maxOutputTokens: z.number().exactOptional(),
  candidateCount: z.number().exactOptional(),
  stopSequences: z.array(z.string()).exactOptional(),
  responseMimeType: z.string().exactOptional(),
  responseSchema: z.record(z.string(), z.unknown()).exactOptional(),
  seed: z.number().exactOptional(),
  presencePenalty: z.number().exactOptional(),
  frequencyPenalty: z.number().exactOptional(),
  responseLogprobs: z.boolean().exactOptional(),
  logprobs: z.number().exactOptional(),
  thinkingBudget: z.number().exactOptional(),
  thinkingLevel: z.string().exactOptional(),
}) satisfies z.ZodType<GenerationConfig>;

/** The interpolated call, as the engine would have sent it. */
export const BatchCallSchema = z.object({
  system_prompt: z.string(),
  user_prompt: z.string(),
  generation_config: GenerationConfigSchema,
});
export type BatchCall = z.infer<typeof BatchCallSchema>;

export const BATCH_REQUEST_STATES = ["queued", "submitted", "answered", "failed"] as const;
export const BatchRequestStateSchema = z.enum(BATCH_REQUEST_STATES);
export type BatchRequestState = z.infer<typeof BatchRequestStateSchema>;

const timestamp = z.instanceof(Timestamp);

/** batch_requests/{key}: the key is the response store's (shared/engine/response-key.ts). */
export const BatchRequestSchema = z.object({
  state: BatchRequestStateSchema,
  /** The owner of the tasks that asked; null for the operator's. */
  owner_uid: z.string().nullable(),
  provider: z.string(),
  model: z.string(),
  /** The model table entry the call goes to. */
  route: ModelRouteSchema,
  request: BatchCallSchema,
  /** The task documents parked on it (ids under tasks/). */
  waiters: z.array(z.string()),
  /** Vendor jobs it was sent in. */
  submissions: z.number().int().nonnegative(),
  /** The vendor_jobs/ id that holds it while submitted (and that answered or failed it, after). */
  vendor_job: z.string().exactOptional(),
  /** Why it failed: the vendor's reason, or that it was sent BATCH_MAX_SUBMISSIONS times without being run. */
  error: RunErrorSchema.exactOptional(),
  created_at: timestamp,
  queued_at: timestamp,
  updated_at: timestamp,
  /**
   * Set when it reached answered or failed, until each waiter's resume was called: a round that ended before calling
   * them leaves it, and a later round calls them once it is older than the take-over time.
   */
  resuming_since: timestamp.exactOptional(),
});
export type BatchRequestDoc = z.infer<typeof BatchRequestSchema>;

export const VENDOR_JOB_STATES = ["intent", "submitted", "ended"] as const;
export const VendorJobStateSchema = z.enum(VENDOR_JOB_STATES);
export type VendorJobDocState = z.infer<typeof VendorJobStateSchema>;

/** vendor_jobs/{id}: the id is the display name given to the vendor. */
export const VendorJobSchema = z.object({
  state: VendorJobStateSchema,
  provider: z.string(),
  model: z.string(),
  route: ModelRouteSchema,
  /** The keys of the batch_requests/ it holds. */
  keys: z.array(z.string()),
  /** When the intent was recorded, just before the vendor's create call (find()'s hint at a vendor without names). */
  intent_at: timestamp,
  /** The vendor's name of the job, once its create call answered or find() found it. */
  name: z.string().exactOptional(),
  submitted_at: timestamp.exactOptional(),
  polled_at: timestamp.exactOptional(),
  /** When a round first read its results: every answer it gave is stored with this time, so a second reading stores the same. */
  results_at: timestamp.exactOptional(),
  ended_at: timestamp.exactOptional(),
  /** The vendor's last word on it: its state as the vendor names it, or why it was not submitted. */
  vendor_state: z.string().exactOptional(),
  /** The vendor's message about the job as a whole, or why its create call failed. */
  message: z.string().exactOptional(),
});
export type VendorJobDoc = z.infer<typeof VendorJobSchema>;
