// The pure mapping of Claude's Message Batches answers, on shapes the stand-in does not produce: every error type a
// batch result may carry, archived results, unknown states and broken lines.
import { describe, expect, it } from "vitest";
import { type ModelCallError } from "../../../shared/models/model-call-error";
import {
  ANTHROPIC_ERROR_STATUS,
  batchRequestTotal,
  mapAnthropicBatchLine,
  mapAnthropicBatchStatus,
  type BatchErrorContext,
} from "../../../shared/providers/anthropic/map-anthropic-batch";

const ctx: BatchErrorContext = {
  baseUrl: "https://api.anthropic.com",
  timeoutMs: 1000,
  keyName: "ANTHROPIC_API_KEY",
  baseUrlName: "ANTHROPIC_BASE_URL",
};
const counts = { processing: 0, succeeded: 2, errored: 1, canceled: 0, expired: 1 };
const errored = (type: string, message = "it went wrong") => ({
  custom_id: "k",
  result: { type: "errored", error: { type: "error", error: { type, message }, request_id: "req_1" } },
});

describe("mapAnthropicBatchStatus", () => {
  it("is running while in_progress or canceling, ended with its tally once ended", () => {
    expect(mapAnthropicBatchStatus({ id: "b", processing_status: "in_progress" })).toEqual({
      state: "running",
      vendorState: "in_progress",
    });
    expect(mapAnthropicBatchStatus({ id: "b", processing_status: "canceling" })).toEqual({ state: "running", vendorState: "canceling" });
    expect(
      mapAnthropicBatchStatus({ id: "b", processing_status: "ended", request_counts: counts, results_url: "https://x/results" }),
    ).toEqual({ state: "ended", vendorState: "ended", message: "succeeded 2, errored 1, canceled 0, expired 1" });
  });

  it("says an ended batch whose results were archived has none: its requests must be sent again", () => {
    const status = mapAnthropicBatchStatus({
      id: "msgbatch_1",
      processing_status: "ended",
      request_counts: counts,
      results_url: null,
      archived_at: "2026-01-30T00:00:00Z",
    });
    expect(status).toMatchObject({ state: "ended", noResults: true });
    expect(status.message).toMatch(/msgbatch_1 ended .*no results_url \(archived at 2026-01-30T00:00:00Z\): send its requests again/);
  });

  it("refuses an unknown processing_status as a malformed answer (polling again may succeed)", () => {
    const err = (() => {
      try {
        return mapAnthropicBatchStatus({ id: "b", processing_status: "paused" });
      } catch (e) {
        return e;
      }
    })() as ModelCallError;
    expect(err).toMatchObject({ kind: "malformed", isRetryable: true });
    expect(err.message).toMatch(/unknown processing_status "paused"/);
  });

  it("sums request_counts, whatever the batch's stage", () => {
    expect(batchRequestTotal({ processing: 3, succeeded: 0, errored: 0, canceled: 0, expired: 0 })).toBe(3);
    expect(batchRequestTotal(counts)).toBe(4);
    expect(batchRequestTotal(undefined)).toBe(0);
  });
});

describe("mapAnthropicBatchLine", () => {
  it("maps every error type as a direct call's HTTP status would be: retryable exactly when that status is", () => {
    const retryable = new Set(["rate_limit_error", "api_error", "timeout_error", "overloaded_error"]);
    for (const [type, status] of Object.entries(ANTHROPIC_ERROR_STATUS)) {
      const item = mapAnthropicBatchLine(errored(type), "msgbatch_1", ctx);
      expect(item.kind, type).toBe("failed");
      const { error } = item as Extract<typeof item, { kind: "failed" }>;
      expect(error.status, type).toBe(status);
      expect(error.isRetryable, type).toBe(retryable.has(type));
      expect(error.kind, type).toBe(type === "billing_error" ? "out_of_credits" : "http");
    }
  });

  it("maps Claude's empty credit balance to out_of_credits, as a direct call's 400 is", () => {
    const item = mapAnthropicBatchLine(errored("invalid_request_error", "Your credit balance is too low to access the API."), "b", ctx);
    expect(item).toMatchObject({ kind: "failed", error: { kind: "out_of_credits", isRetryable: false } });
  });

  it("does not resend an error of an unknown type: nothing says it can succeed", () => {
    const item = mapAnthropicBatchLine(errored("brand_new_error"), "b", ctx);
    expect(item).toMatchObject({ kind: "failed", error: { kind: "http", isRetryable: false } });
    expect((item as Extract<typeof item, { kind: "failed" }>).error.message).toMatch(/unknown type "brand_new_error": it went wrong/);
  });

  it("maps an unknown result type to a retryable malformed failure of that request", () => {
    expect(mapAnthropicBatchLine({ custom_id: "k", result: { type: "deferred" } }, "b", ctx)).toMatchObject({
      key: "k",
      kind: "failed",
      error: { kind: "malformed", isRetryable: true },
    });
  });

  it("maps a succeeded message as a direct answer, and a refusal to blocked with its usage", () => {
    const message = (content: unknown[], stop: string) => ({
      custom_id: "k",
      result: {
        type: "succeeded",
        message: {
          model: "claude-x",
          content,
          stop_reason: stop,
          usage: { input_tokens: 3, output_tokens: 2, cache_read_input_tokens: 1 },
        },
      },
    });
    expect(mapAnthropicBatchLine(message([{ type: "text", text: "hi" }], "end_turn"), "b", ctx)).toEqual({
      key: "k",
      kind: "answered",
      result: { text: "hi", finishReason: "STOP", usage: { prompt_tokens: 4, output_tokens: 2, total_tokens: 6, cached_tokens: 1 } },
    });
    expect(mapAnthropicBatchLine(message([], "refusal"), "b", ctx)).toMatchObject({
      kind: "failed",
      error: { kind: "blocked", usage: { prompt_tokens: 4 } },
    });
  });

  it("throws on a line without custom_id: a result that cannot be matched is a malformed answer", () => {
    expect(() => mapAnthropicBatchLine({ result: { type: "succeeded" } }, "msgbatch_9", ctx)).toThrow(
      /result line of batch msgbatch_9 without custom_id/,
    );
  });
});
