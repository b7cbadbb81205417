// The pure conversions of Gemini answers and SDK errors: usage, finish reasons, blocked and empty answers, HTTP, network and timeout errors.
import { GoogleGenerativeAIAbortError, GoogleGenerativeAIError, GoogleGenerativeAIFetchError } from "@google/generative-ai";
import { describe, expect, it } from "vitest";
import {
  googleStatusFor,
  mapGeminiError,
  mapGeminiFinishReason,
  mapGeminiResponse,
  mapGeminiUsage,
  parseRetryDelay,
  type GeminiCallContext,
} from "../../../shared/providers/gemini/map-gemini-response";
import { ModelCallError } from "../../../shared/models/model-call-error";
import { redactApiKey } from "../../../shared/models/vendor-helpers";

const MODEL = "gemini-2.5-flash";
const ctx = (extra: Partial<GeminiCallContext> = {}): GeminiCallContext => ({
  model: MODEL,
  baseUrl: "http://127.0.0.1:1",
  timeoutMs: 500,
  timedOut: false,
  aborted: false,
  ...extra,
});
const candidate = (text: string | undefined, finishReason?: string, extra: Record<string, unknown> = {}) => ({
  ...(text === undefined ? {} : { content: { role: "model", parts: [{ text }] } }),
  ...(finishReason ? { finishReason } : {}),
  ...extra,
});

/** The ModelCallError that `map` throws. */
function thrown(map: () => unknown): ModelCallError {
  try {
    map();
  } catch (err) {
    if (err instanceof ModelCallError) return err;
    throw err;
  }
  throw new Error("expected a ModelCallError, but the mapping succeeded");
}

/** What the SDK throws for a non-2xx answer, built the way its handleResponseNotOk builds it. */
function fetchError(status: number, statusText: string, message: string, details?: unknown[]): GoogleGenerativeAIFetchError {
  const tail = details ? ` ${JSON.stringify(details)}` : "";
  return new GoogleGenerativeAIFetchError(
    `Error fetching from http://127.0.0.1:1/v1beta/models/${MODEL}:generateContent: [${status} ${statusText}] ${message}${tail}`,
    status,
    statusText,
    details as never,
  );
}

describe("mapGeminiUsage", () => {
  it("maps promptTokenCount, candidatesTokenCount and totalTokenCount", () => {
    expect(mapGeminiUsage({ promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 })).toEqual({
      prompt_tokens: 10,
      output_tokens: 5,
      total_tokens: 15,
    });
  });
  it("counts thinking tokens as output, since they are billed as output", () => {
    expect(mapGeminiUsage({ promptTokenCount: 10, candidatesTokenCount: 5, thoughtsTokenCount: 20, totalTokenCount: 35 })).toEqual({
      prompt_tokens: 10,
      output_tokens: 25,
      total_tokens: 35,
      thinking_tokens: 20,
    });
  });
  it("treats missing counts as 0 and fills a missing total", () => {
    expect(mapGeminiUsage({ promptTokenCount: 7 })).toEqual({ prompt_tokens: 7, output_tokens: 0, total_tokens: 7 });
    expect(mapGeminiUsage(undefined)).toEqual({ prompt_tokens: 0, output_tokens: 0, total_tokens: 0 });
    expect(mapGeminiUsage({ promptTokenCount: "many" })).toEqual({ prompt_tokens: 0, output_tokens: 0, total_tokens: 0 });
  });
});

describe("mapGeminiFinishReason", () => {
  it("keeps Gemini's reason and flags the filter reasons", () => {
    expect(mapGeminiFinishReason("STOP")).toEqual({ finishReason: "STOP", filtered: false });
    expect(mapGeminiFinishReason("MAX_TOKENS")).toEqual({ finishReason: "MAX_TOKENS", filtered: false });
    for (const reason of ["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII"])
      expect(mapGeminiFinishReason(reason).filtered).toBe(true);
    expect(mapGeminiFinishReason(undefined)).toEqual({ finishReason: "FINISH_REASON_UNSPECIFIED", filtered: false });
  });
});

describe("mapGeminiResponse", () => {
  const usageMetadata = { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 };

  it("joins the first candidate's text parts, leaving thought summaries out", () => {
    const raw = {
      candidates: [
        { content: { parts: [{ text: "thinking...", thought: true }, { text: "Hello " }, { text: "world" }] }, finishReason: "STOP" },
      ],
      usageMetadata,
    };
    expect(mapGeminiResponse(raw, MODEL)).toEqual({
      text: "Hello world",
      finishReason: "STOP",
      usage: { prompt_tokens: 3, output_tokens: 2, total_tokens: 5 },
    });
  });

  it("accepts MAX_TOKENS with text as an answer", () => {
    expect(mapGeminiResponse({ candidates: [candidate("cut sh", "MAX_TOKENS")], usageMetadata }, MODEL)).toMatchObject({
      text: "cut sh",
      finishReason: "MAX_TOKENS",
    });
  });

  it("accepts OTHER with text, and a missing finish reason", () => {
    expect(mapGeminiResponse({ candidates: [candidate("fine", "OTHER")] }, MODEL).finishReason).toBe("OTHER");
    expect(mapGeminiResponse({ candidates: [candidate("fine")] }, MODEL).finishReason).toBe("FINISH_REASON_UNSPECIFIED");
  });

  it("calls a prompt blocked by promptFeedback blocked, naming the reason and message", () => {
    const err = thrown(() =>
      mapGeminiResponse({ promptFeedback: { blockReason: "PROHIBITED_CONTENT", blockReasonMessage: "not allowed" } }, MODEL),
    );
    expect([err.kind, err.isRetryable, err.options.reason]).toEqual(["blocked", false, "PROHIBITED_CONTENT"]);
    expect(err.message).toBe(
      `Gemini model "${MODEL}" blocked the prompt (promptFeedback.blockReason PROHIBITED_CONTENT: not allowed); rephrase the prompt or change the step's input`,
    );
  });

  for (const reason of ["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "OTHER"]) {
    it(`calls finishReason ${reason} with no text blocked`, () => {
      const err = thrown(() => mapGeminiResponse({ candidates: [candidate(undefined, reason)] }, MODEL));
      expect([err.kind, err.options.reason]).toEqual(["blocked", reason]);
      expect(err.message).toContain(`finishReason ${reason} and no text`);
    });
  }

  it("calls a SAFETY stop after partial text blocked too: the text is cut at an arbitrary point", () => {
    const err = thrown(() =>
      mapGeminiResponse({ candidates: [candidate("The first half", "SAFETY", { finishMessage: "unsafe" })] }, MODEL),
    );
    expect(err.kind).toBe("blocked");
    expect(err.message).toContain("finishReason SAFETY: unsafe after partial text");
  });

  it("calls no candidates empty, and a candidate without text empty", () => {
    expect(thrown(() => mapGeminiResponse({ candidates: [] }, MODEL)).kind).toBe("empty");
    expect(thrown(() => mapGeminiResponse({}, MODEL)).kind).toBe("empty");
    const noText = thrown(() => mapGeminiResponse({ candidates: [candidate("", "STOP")] }, MODEL));
    expect([noText.kind, noText.isRetryable, noText.options.reason]).toEqual(["empty", false, "STOP"]);
  });

  it("says to raise max_output_tokens when MAX_TOKENS came with no text", () => {
    const err = thrown(() => mapGeminiResponse({ candidates: [candidate(undefined, "MAX_TOKENS")] }, MODEL));
    expect(err.kind).toBe("empty");
    expect(err.message).toContain("raise max_output_tokens");
  });

  it("calls a JSON answer that is not an object malformed", () => {
    expect(thrown(() => mapGeminiResponse(null, MODEL)).kind).toBe("malformed");
    expect(thrown(() => mapGeminiResponse([1], MODEL)).kind).toBe("malformed");
  });
});

describe("parseRetryDelay", () => {
  const info = (retryDelay: unknown) => [
    { "@type": "type.googleapis.com/google.rpc.QuotaFailure" },
    { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay },
  ];
  it("reads protobuf durations as milliseconds", () => {
    expect(parseRetryDelay(info("1.5s"))).toBe(1500);
    expect(parseRetryDelay(info("37s"))).toBe(37_000);
    expect(parseRetryDelay(info("0.000250s"))).toBe(0);
    expect(parseRetryDelay(info({ seconds: 2, nanos: 500_000_000 }))).toBe(2500);
  });
  it("gives undefined without a usable RetryInfo", () => {
    expect(parseRetryDelay(undefined)).toBeUndefined();
    expect(parseRetryDelay([{ "@type": "type.googleapis.com/google.rpc.ErrorInfo" }])).toBeUndefined();
    expect(parseRetryDelay(info("soon"))).toBeUndefined();
  });
});

describe("mapGeminiError", () => {
  it("keeps the HTTP status, Google's status name as reason, the server's own message and RetryInfo", () => {
    const details = [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "2s" }];
    const err = mapGeminiError(fetchError(429, "Too Many Requests", "Quota exceeded.", details), ctx());
    expect([err.kind, err.status, err.options.reason, err.retryAfterMs, err.isRetryable]).toEqual([
      "http",
      429,
      "RESOURCE_EXHAUSTED",
      2000,
      true,
    ]);
    expect(err.message).toBe(
      `Gemini model "${MODEL}" answered HTTP 429 RESOURCE_EXHAUSTED: Quota exceeded.; the quota or rate limit was hit: retry later or send fewer requests a minute`,
    );
  });

  it("marks 400, 403 and 404 not retryable and 500, 503 and 504 retryable", () => {
    const retryable = (status: number) => mapGeminiError(fetchError(status, "x", "m"), ctx()).isRetryable;
    expect([400, 403, 404].map(retryable)).toEqual([false, false, false]);
    expect([500, 503, 504].map(retryable)).toEqual([true, true, true]);
  });

  it("says to check GEMINI_API_KEY when Google's ErrorInfo names the key", () => {
    const err = mapGeminiError(
      fetchError(400, "Bad Request", "API key not valid.", [
        { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID" },
      ]),
      ctx(),
    );
    expect(err.message).toBe(`Gemini model "${MODEL}" answered HTTP 400 INVALID_ARGUMENT: API key not valid.; check GEMINI_API_KEY`);
  });

  it("names Google's canonical statuses", () => {
    expect([400, 401, 403, 404, 429, 500, 503, 504, 502, 418].map(googleStatusFor)).toEqual([
      "INVALID_ARGUMENT",
      "UNAUTHENTICATED",
      "PERMISSION_DENIED",
      "NOT_FOUND",
      "RESOURCE_EXHAUSTED",
      "INTERNAL",
      "UNAVAILABLE",
      "DEADLINE_EXCEEDED",
      "INTERNAL",
      "FAILED_PRECONDITION",
    ]);
  });

  it("calls our own timer firing a timeout naming the limit", () => {
    const err = mapGeminiError(new GoogleGenerativeAIAbortError("Request aborted"), ctx({ timedOut: true, timeoutMs: 750 }));
    expect([err.kind, err.isRetryable]).toEqual(["timeout", true]);
    expect(err.message).toContain("within 750 ms");
  });

  it("says the caller aborted when the caller's signal did it", () => {
    const err = mapGeminiError(new DOMException("aborted", "AbortError"), ctx({ aborted: true, abortReason: new Error("deadline") }));
    expect(err.kind).toBe("timeout");
    expect(err.message).toContain("aborted by the caller (deadline)");
  });

  it("calls any other abort a timeout, from the SDK or from a body read", () => {
    expect(mapGeminiError(new GoogleGenerativeAIAbortError("Request aborted"), ctx()).kind).toBe("timeout");
    expect(mapGeminiError(new DOMException("This operation was aborted", "AbortError"), ctx()).kind).toBe("timeout");
  });

  it("calls a 2xx body that is not JSON malformed", () => {
    const err = mapGeminiError(new SyntaxError("Unexpected end of JSON input"), ctx());
    expect([err.kind, err.isRetryable]).toEqual(["malformed", true]);
    expect(err.message).toContain("not valid JSON (Unexpected end of JSON input)");
  });

  it("calls fetch failures, resets and hang-ups network errors, looking into causes", () => {
    const sdkWrapped = new GoogleGenerativeAIError(
      `Error fetching from http://127.0.0.1:1/v1beta/models/${MODEL}:generateContent: fetch failed`,
    );
    const reset = new TypeError("fetch failed", { cause: Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }) });
    const hangUp = new Error("socket hang up");
    const bodyCut = new TypeError("terminated", { cause: Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" }) });
    for (const e of [sdkWrapped, reset, hangUp, bodyCut]) expect(mapGeminiError(e, ctx()).kind).toBe("network");
    expect(mapGeminiError(sdkWrapped, ctx()).message).toBe(
      `could not reach Gemini model "${MODEL}" at http://127.0.0.1:1: fetch failed; check the network and GEMINI_BASE_URL, retrying may succeed`,
    );
  });

  it("calls anything else a malformed answer, naming the error", () => {
    const err = mapGeminiError(new TypeError("Cannot set properties of null (setting 'text')"), ctx());
    expect(err.kind).toBe("malformed");
    expect(err.message).toContain("TypeError: Cannot set properties of null");
  });

  it("passes a ModelCallError through unchanged", () => {
    const original = new ModelCallError("x", "empty");
    expect(mapGeminiError(original, ctx())).toBe(original);
  });
});

describe("redactApiKey", () => {
  const key = "AIzaSy-secret-0123456789";
  it("replaces the key in the message and the cause, keeping kind and options", () => {
    const cause = new Error(`bad key ${key}`);
    const err = redactApiKey(
      new ModelCallError(`HTTP 400: bad key ${key}`, "http", { status: 400, reason: "INVALID_ARGUMENT", cause }),
      key,
    );
    expect(err.message).toBe("HTTP 400: bad key [REDACTED]");
    expect([err.kind, err.status, err.options.reason]).toEqual(["http", 400, "INVALID_ARGUMENT"]);
    expect(String(err.cause)).not.toContain(key);
    expect((err.cause as Error).stack).not.toContain(key);
  });
  it("returns the same error when the key is nowhere in it", () => {
    const err = new ModelCallError("fine", "network");
    expect(redactApiKey(err, key)).toBe(err);
  });
});
