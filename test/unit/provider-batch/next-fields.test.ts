// How a request moves on (shared/provider-batch/settle-requests.ts nextFields): answered and failed end it (and mark
// its waiters to resume); not run or a retryable error queue it again until BATCH_MAX_SUBMISSIONS, then fail it.
import { FieldValue, Timestamp } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import type { BatchRequestDoc } from "../../../shared/provider-batch/batch-request-schema";
import { nextFields } from "../../../shared/provider-batch/settle-requests";

const at = Timestamp.fromMillis(1_000);
const doc = (submissions: number): BatchRequestDoc => ({
  state: "submitted",
  owner_uid: null,
  provider: "openai",
  model: "m",
  route: { provider: "openai", model: "m", base_url: "http://a/v1" },
  request: { system_prompt: "", user_prompt: "q", generation_config: {} },
  waiters: ["t1"],
  submissions,
  vendor_job: "j1",
  created_at: at,
  queued_at: at,
  updated_at: at,
});
const busy = { code: "model_error" as const, message: "503 overloaded", status: 503, retryable: false };

describe("nextFields", () => {
  it("answered and failed end the request and mark it for resuming", () => {
    expect(nextFields(doc(1), { kind: "answered" }, 3, at)).toEqual({
      fields: { state: "answered", updated_at: at, resuming_since: at },
      ended: true,
    });
    expect(nextFields(doc(1), { kind: "failed", error: busy }, 3, at).fields).toMatchObject({ state: "failed", error: busy });
  });

  it("not run is queued again while it has submissions left, its vendor job cleared", () => {
    expect(nextFields(doc(2), { kind: "requeue", reason: "expired" }, 3, at)).toEqual({
      fields: { state: "queued", queued_at: at, updated_at: at, vendor_job: FieldValue.delete() },
      ended: false,
    });
  });

  it("at the limit it fails: with the vendor's reason when it had one, else saying it was never run", () => {
    const withReason = nextFields(doc(3), { kind: "requeue", reason: "503", error: busy }, 3, at);
    expect(withReason.ended).toBe(true);
    expect(withReason.fields.error).toEqual({
      ...busy,
      message: expect.stringMatching(/^503 overloaded; it was sent in 3 vendor batch jobs/) as string,
    });
    const notRun = nextFields(doc(3), { kind: "requeue", reason: "the job expired" }, 3, at).fields.error as { message: string };
    expect(notRun.message).toMatch(/did not run this request \(the last time: the job expired\).*BATCH_MAX_SUBMISSIONS \(3\)/);
  });
});
