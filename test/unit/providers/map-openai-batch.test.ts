// The pure OpenAI batch mappings on shapes the stand-in does not produce: every batch status, failed jobs with and
// without line errors, result lines of each kind, and the input line (the direct call's very body).
import { describe, expect, it } from "vitest";
import { ModelCallError } from "../../../shared/models/model-call-error";
import {
  mapBatchResultLine,
  mapOpenAiBatchStatus,
  missingResultReason,
  toBatchInputLine,
} from "../../../shared/providers/openai/map-openai-batch";
import { mapChatCompletion } from "../../../shared/providers/openai/map-openai-response";
import { toChatCompletionRequest } from "../../../shared/providers/openai/openai-request";
import type { RouteOf } from "../../../shared/providers/model-table";
import { request } from "../models/provider-contract";

const route: RouteOf<"openai"> = { provider: "openai", model: "gpt-4o-mini", base_url: "http://127.0.0.1:11434/v1" };
const completion = (message: Record<string, unknown>, finish = "stop") => ({
  object: "chat.completion",
  choices: [{ index: 0, message: { role: "assistant", ...message }, finish_reason: finish }],
  usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
});
const httpError = (status: number, body: unknown) =>
  new ModelCallError(`HTTP ${status} ${JSON.stringify(body)}`, "http", { status, reason: "from-ctx" });
const ctx = { model: route.model, httpError };

describe("mapOpenAiBatchStatus", () => {
  it.each([
    ["validating", "pending"],
    ["in_progress", "running"],
    ["finalizing", "running"],
    ["cancelling", "running"],
    ["completed", "ended"],
    ["expired", "ended"],
    ["cancelled", "ended"],
    ["failed", "ended"],
    ["a_state_not_yet_invented", "running"],
  ])("maps %s to %s", (status, state) => {
    expect(mapOpenAiBatchStatus({ status })).toMatchObject({ state, vendorState: status });
  });

  it("has results for a failed job whose errors name lines, none for one failed as a whole", () => {
    const lines = { status: "failed", errors: { data: [{ code: "invalid_request", message: "bad body", line: 3 }] } };
    expect(mapOpenAiBatchStatus(lines)).toEqual({
      state: "ended",
      vendorState: "failed",
      noResults: false,
      message: "the job failed: line 3: invalid_request: bad body",
    });
    const whole = {
      status: "failed",
      errors: { data: [{ code: "token_limit_exceeded", message: "Enqueued token limit reached", line: null }] },
    };
    expect(mapOpenAiBatchStatus(whole)).toMatchObject({
      noResults: true,
      message: "the job failed: token_limit_exceeded: Enqueued token limit reached",
    });
    expect(mapOpenAiBatchStatus({ status: "failed" })).toMatchObject({
      noResults: true,
      message: "the job failed: the vendor gave no reason",
    });
    expect(mapOpenAiBatchStatus(null)).toEqual({ state: "running", vendorState: "unknown" });
  });
});

describe("mapBatchResultLine", () => {
  it("maps a 2xx answer as a direct call's, and its refusal or empty answer as failures", () => {
    const body = completion({ content: "hello" });
    expect(mapBatchResultLine({ custom_id: "a", response: { status_code: 200, body } }, ctx)).toEqual({
      key: "a",
      kind: "answered",
      result: mapChatCompletion(body, route.model),
    });
    const refused = mapBatchResultLine(
      { custom_id: "b", response: { status_code: 200, body: completion({ content: null, refusal: "no" }) } },
      ctx,
    );
    expect(refused.kind === "failed" ? [refused.error.kind, refused.error.isRetryable] : refused).toEqual(["blocked", false]);
    const empty = mapBatchResultLine({ custom_id: "c", response: { status_code: 200, body: { choices: [] } } }, ctx);
    expect(empty.kind === "failed" ? empty.error.kind : empty).toBe("empty");
  });

  it("hands another status and its body to the direct call's error mapping", () => {
    const body = { error: { message: "slow down", type: "requests", code: "rate_limit_exceeded" } };
    const item = mapBatchResultLine({ custom_id: "a", response: { status_code: 429, body }, error: null }, ctx);
    expect(item).toEqual({ key: "a", kind: "failed", error: httpError(429, body) });
  });

  it("gives expired and cancelled requests back as not run; fails one the vendor would not run for another reason", () => {
    const expired = { custom_id: "a", response: null, error: { code: "batch_expired", message: "window passed" } };
    expect(mapBatchResultLine(expired, ctx)).toEqual({ key: "a", kind: "not_run", reason: "batch_expired: window passed" });
    const cancelled = { custom_id: "b", response: null, error: { code: "batch_cancelled", message: "cancelled" } };
    expect(mapBatchResultLine(cancelled, ctx)).toMatchObject({ kind: "not_run" });
    const other = mapBatchResultLine({ custom_id: "c", response: null, error: { code: "model_gone", message: "no such model" } }, ctx);
    expect(other.kind === "failed" ? [other.error.isRetryable, other.error.options.reason, other.error.message] : other).toEqual([
      false,
      "model_gone",
      'model "gpt-4o-mini" (OpenAI-compatible server) did not run batch request c: model_gone: no such model',
    ]);
  });

  it("refuses a line without a custom_id as a malformed file", () => {
    expect(() => mapBatchResultLine({ response: null }, ctx)).toThrow(/has no custom_id/);
  });
});

describe("the input line and the reasons of missing results", () => {
  it("posts the direct call's very body to /v1/chat/completions under the key", () => {
    const item = { key: "k-1", request: request(route, "hi", { temperature: 0.3, responseMimeType: "application/json" }, "sys") };
    expect(JSON.parse(toBatchInputLine(item))).toEqual({
      custom_id: "k-1",
      method: "POST",
      url: "/v1/chat/completions",
      body: toChatCompletionRequest(item.request),
    });
  });

  it("says why a request of an ended job has no line", () => {
    expect(missingResultReason({ state: "ended", vendorState: "expired" })).toMatch(/^batch_expired: /);
    expect(missingResultReason({ state: "ended", vendorState: "cancelled" })).toMatch(/^batch_cancelled: /);
    expect(missingResultReason({ state: "ended", vendorState: "failed", message: "the job failed: x" })).toBe("the job failed: x");
    expect(missingResultReason({ state: "ended", vendorState: "completed" })).toBe(
      "the job ended completed with no result for this request",
    );
  });
});
