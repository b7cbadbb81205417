// The pure parts of Gemini's Batch Mode adapter on shapes the stand-in does not produce: every job state, per-request
// errors with gRPC or HTTP codes, results without a key, repeated or foreign keys, unreadable lines, the batch calls' errors.
import { describe, expect, it } from "vitest";
import type { BatchItemResult } from "../../../shared/models/batch-provider";
import { type ModelCallError } from "../../../shared/models/model-call-error";
import {
  httpStatusOf,
  keyedResults,
  mapGeminiBatchCallError,
  mapGeminiBatchItem,
  mapGeminiJobStatus,
  parseResultLine,
  toInlinedRequest,
  toJsonlLine,
  type GeminiBatchItem,
} from "../../../shared/providers/gemini/map-gemini-batch";
import { toGeminiRequest } from "../../../shared/providers/gemini/gemini-request";

const answer = (text: string) => ({
  candidates: [{ content: { parts: [{ text }], role: "model" }, finishReason: "STOP" }],
  usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 },
});

async function all(items: GeminiBatchItem[], vendorState: string, submittedKeys?: string[]): Promise<BatchItemResult[]> {
  const out: BatchItemResult[] = [];
  for await (const item of keyedResults(items, { model: "m", vendorState, submittedKeys })) out.push(item);
  return out;
}

describe("mapGeminiJobStatus", () => {
  it.each([
    ["JOB_STATE_PENDING", false, { state: "pending" }],
    ["JOB_STATE_QUEUED", false, { state: "pending" }],
    [undefined, false, { state: "pending", vendorState: "JOB_STATE_UNSPECIFIED" }],
    ["JOB_STATE_RUNNING", false, { state: "running" }],
    ["JOB_STATE_CANCELLING", false, { state: "running" }],
    ["JOB_STATE_SUCCEEDED", true, { state: "ended", vendorState: "JOB_STATE_SUCCEEDED" }],
    ["JOB_STATE_PARTIALLY_SUCCEEDED", true, { state: "ended" }],
    ["JOB_STATE_CANCELLED", true, { state: "ended" }],
    ["JOB_STATE_CANCELLED", false, { state: "ended", noResults: true }],
    ["JOB_STATE_EXPIRED", false, { state: "ended", noResults: true }],
    ["JOB_STATE_FAILED", true, { state: "ended", noResults: true }],
    ["JOB_STATE_SOMETHING_NEW", false, { state: "running", message: expect.stringMatching(/unknown here/) as unknown }],
  ] as const)("%s (output %s)", (state, hasOutput, expected) => {
    expect(mapGeminiJobStatus(state, hasOutput)).toMatchObject(expected);
  });

  it("says what to do about a job with no results", () => {
    expect(mapGeminiJobStatus("JOB_STATE_EXPIRED", false).message).toMatch(/expired .* and has no results: submit its requests again/);
  });
});

describe("per-request errors", () => {
  it.each([
    [{ code: 8, message: "quota" }, 429],
    [{ code: 14 }, 503],
    [{ code: 3 }, 400],
    [{ code: 503, status: "UNAVAILABLE" }, 503],
    [{ status: "RESOURCE_EXHAUSTED" }, 429],
    [{ code: 99 }, 500],
    [{}, 500],
  ])("%j is HTTP %i", (error, status) => {
    expect(httpStatusOf(error)).toBe(status);
  });

  it("maps a gRPC RESOURCE_EXHAUSTED with its RetryInfo to a retryable 429 with the delay", () => {
    const details = [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "2.5s" }];
    const item = mapGeminiBatchItem("k", { error: { code: 8, message: "Resource has been exhausted", details } }, "m");
    expect(item.kind).toBe("failed");
    const error = (item as { error: ModelCallError }).error;
    expect([error.status, error.isRetryable, error.retryAfterMs]).toEqual([429, true, 2500]);
    expect(error.message).toBe(
      'Gemini model "m" answered HTTP 429 RESOURCE_EXHAUSTED: Resource has been exhausted; the quota or rate limit was hit: retry later or send fewer requests a minute',
    );
  });

  it("maps a response that is blocked, and one that is neither answer nor error", () => {
    const blocked = mapGeminiBatchItem("k", { response: { promptFeedback: { blockReason: "SAFETY" } } }, "m");
    expect(blocked).toMatchObject({ kind: "failed", error: { kind: "blocked" } });
    const nothing = mapGeminiBatchItem("k", {}, "m");
    expect(nothing).toMatchObject({ kind: "failed", error: { kind: "malformed", isRetryable: true } });
  });
});

describe("keyedResults", () => {
  it("matches by key only: the first result of a key counts, keyless and foreign ones are left out, the rest not_run", async () => {
    const items: GeminiBatchItem[] = [
      { key: "b", response: answer("B") },
      { key: undefined, response: answer("no key") },
      { key: "a", response: answer("A") },
      { key: "a", response: answer("A again") },
      { key: "zzz", response: answer("not ours") },
      { unreadable: "line 6 is not JSON (Unexpected token)" },
    ];
    const results = await all(items, "JOB_STATE_SUCCEEDED", ["a", "b", "c"]);
    expect(results.map((r) => [r.key, r.kind])).toEqual([
      ["b", "answered"],
      ["a", "answered"],
      ["c", "not_run"],
    ]);
    expect(results[1]).toMatchObject({ result: { text: "A" } });
    expect((results[2] as { reason: string }).reason).toMatch(
      /2 result\(s\) could not be matched to a key: a result without its metadata key; line 6 is not JSON/,
    );
  });

  it("without submitted keys, gives what the vendor gave", async () => {
    const results = await all(
      [
        { key: "x", response: answer("X") },
        { key: "y", error: { code: 13 } },
      ],
      "JOB_STATE_SUCCEEDED",
    );
    expect(results.map((r) => [r.key, r.kind])).toEqual([
      ["x", "answered"],
      ["y", "failed"],
    ]);
  });

  it("names an expired or cancelled job as the reason a request did not run", async () => {
    expect(await all([], "JOB_STATE_EXPIRED", ["a"])).toEqual([
      { key: "a", kind: "not_run", reason: expect.stringMatching(/expired/) as unknown },
    ]);
    expect(await all([], "JOB_STATE_CANCELLED", ["a"])).toEqual([
      { key: "a", kind: "not_run", reason: expect.stringMatching(/cancelled/) as unknown },
    ]);
  });
});

describe("lines and requests", () => {
  it("reads a responses-file line with an error under `error` or `status`, and a line that is not JSON", () => {
    expect(parseResultLine('{"key":"a","error":{"code":3}}', 1)).toEqual({ key: "a", error: { code: 3 } });
    expect(parseResultLine('{"key":"a","status":{"code":3}}', 1)).toEqual({ key: "a", error: { code: 3 } });
    expect(parseResultLine("[1]", 4)).toEqual({ unreadable: "line 4 is not a JSON object" });
    expect(parseResultLine("{", 5)).toMatchObject({ unreadable: expect.stringMatching(/^line 5 is not JSON/) as unknown });
  });

  it("writes the direct call's body: as a JSONL line, and inline with the system instruction in the SDK's config", () => {
    const body = toGeminiRequest({ systemPrompt: "S", userPrompt: "U", generationConfig: { temperature: 0.1, thinkingLevel: "low" } });
    expect(JSON.parse(toJsonlLine("k", body))).toEqual({
      key: "k",
      request: {
        contents: [{ role: "user", parts: [{ text: "U" }] }],
        systemInstruction: { role: "system", parts: [{ text: "S" }] },
        generationConfig: { temperature: 0.1, thinkingConfig: { thinkingLevel: "LOW" } },
      },
    });
    expect(toInlinedRequest("k", body)).toEqual({
      contents: body.contents,
      metadata: { key: "k" },
      config: { temperature: 0.1, thinkingConfig: { thinkingLevel: "LOW" }, systemInstruction: body.systemInstruction },
    });
  });
});

describe("mapGeminiBatchCallError", () => {
  const ctx = { what: "create batch job", baseUrl: "http://x", timeoutMs: 50, timedOut: false, aborted: false };
  it("reads the SDK's ApiError, whose message is Google's error body", () => {
    const err = Object.assign(new Error(JSON.stringify({ error: { code: 503, message: "overloaded", status: "UNAVAILABLE" } })), {
      status: 503,
    });
    const mapped = mapGeminiBatchCallError(err, ctx);
    expect([mapped.kind, mapped.status, mapped.isRetryable]).toEqual(["http", 503, true]);
    expect(mapped.message).toContain("the Gemini Batch API (create batch job) answered HTTP 503 UNAVAILABLE: overloaded");
  });
  it("maps our timeout and a refused connection as retryable", () => {
    expect(mapGeminiBatchCallError(new Error("aborted"), { ...ctx, timedOut: true })).toMatchObject({ kind: "timeout", isRetryable: true });
    expect(mapGeminiBatchCallError(new TypeError("fetch failed"), ctx)).toMatchObject({ kind: "network", isRetryable: true });
  });
});
