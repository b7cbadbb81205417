// The tasks/{id} document: a TaskConfig plus the run envelope the pipeline maintains.
import { z } from "zod";
import { formatPath, type ConfigIssue } from "../config/config-issue";
import { documentIdProblem } from "../ids";
import { CostSchema, RunErrorSchema } from "../engine/run-record";
import { TokenUsageSchema } from "../models/token-usage";

/** `waiting`: provider batch mode, parked on a model call's answer (docs/provider-batch.md); not ended, not running. */
export const TASK_STATUSES = ["queued", "running", "waiting", "success", "failed"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Envelope fields; everything else in the document is the TaskConfig. Timestamps are Firestore Timestamps. */
export const TASK_ENVELOPE_FIELDS = [
  "job_id",
  "run_id",
  "hop",
  "status",
  "attempts",
  "created_at",
  "started_at",
  "finished_at",
  "lease_expires_at",
  "claim_id",
  "error",
  "next_task_doc_id",
  "previous_task_doc_id",
  "usage",
  "cost",
  "cached_steps",
  "latency_ms",
  "warnings",
  "owner_uid",
  "waiting_for",
  "waiting_since",
] as const;

const TimestampLike = z.custom<{ toMillis(): number }>(
  (v) => typeof v === "object" && v !== null && typeof (v as { toMillis?: unknown }).toMillis === "function",
  "expected a Firestore timestamp",
);

export const TaskEnvelopeSchema = z.object({
  job_id: z
    .string()
    .min(1)
    .superRefine((id, ctx) => {
      const problem = documentIdProblem(id);
      if (problem) ctx.addIssue({ code: "custom", message: `${JSON.stringify(id)} cannot be a jobs/ document id: ${problem}` });
    })
    .optional(),
  run_id: z.string().min(1).optional(),
  /** Position in the chain, 1 for the entry task. */
  hop: z.number().int().positive().default(1),
  /** A bare TaskConfig written by a client has no status: it is queued. */
  status: z.enum(TASK_STATUSES).default("queued"),
  attempts: z.number().int().nonnegative().default(0),
  created_at: TimestampLike.optional(),
  started_at: TimestampLike.optional(),
  finished_at: TimestampLike.optional(),
  lease_expires_at: TimestampLike.optional(),
  /** Which delivery holds the claim: lets a transaction retried after an applied commit recognise its own write. */
  claim_id: z.string().optional(),
  error: RunErrorSchema.extend({ issues: z.array(z.object({ path: z.string(), message: z.string() })).optional() }).optional(),
  next_task_doc_id: z.string().optional(),
  previous_task_doc_id: z.string().optional(),
  usage: TokenUsageSchema.optional(),
  /** What the run's model calls cost (planFinish writes it beside usage). */
  cost: CostSchema.optional(),
  /** Steps of the run answered from the response store (planFinish writes it beside usage, only when there are some). */
  cached_steps: z.number().int().positive().optional(),
  latency_ms: z.number().optional(),
  /** Set when the task was committed: declared inputs its predecessor's output lacked. */
  warnings: z.array(z.string()).optional(),
  /** The signed-in user who submitted the task's job (submitJob): who may read it (firestore.rules). */
  owner_uid: z.string().optional(),
  /** Provider batch mode: the batch_requests/ key a `waiting` task is parked on, and since when. */
  waiting_for: z.string().optional(),
  waiting_since: TimestampLike.optional(),
});
export type TaskEnvelope = z.infer<typeof TaskEnvelopeSchema>;

export interface SplitTaskDocument {
  envelope: TaskEnvelope;
  /** The document less the envelope: to be parsed as a TaskConfig. */
  config: Record<string, unknown>;
  /** Problems with the envelope fields themselves. */
  issues: ConfigIssue[];
}

/** Separates the envelope from the config. A broken envelope still yields a usable (default) envelope. */
export function splitTaskDocument(data: Record<string, unknown>): SplitTaskDocument {
  const envelopeRaw: Record<string, unknown> = {};
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if ((TASK_ENVELOPE_FIELDS as readonly string[]).includes(key)) envelopeRaw[key] = value;
    else config[key] = value;
  }
  const parsed = TaskEnvelopeSchema.safeParse(envelopeRaw);
  if (parsed.success) return { envelope: parsed.data, config, issues: [] };
  const issues = parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
  const status = TaskEnvelopeSchema.shape.status.safeParse(envelopeRaw.status);
  return { envelope: TaskEnvelopeSchema.parse({ status: status.success ? status.data : "queued" }), config, issues };
}
