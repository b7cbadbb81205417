// The pure conversions of each vendor's usage, finish reasons and errors, on answers the stand-in does not produce.
import { describe, expect, it } from "vitest";
import { mapAnthropicMessage, mapAnthropicStopReason, mapAnthropicUsage } from "../../../shared/providers/anthropic/map-anthropic-response";
import { mapChatCompletion, mapOpenAiFinishReason, mapOpenAiUsage } from "../../../shared/providers/openai/map-openai-response";
import { retryAfter } from "../../../shared/models/map-sdk-error";
import { mapVertexError } from "../../../shared/providers/vertex/map-vertex-error";
import { ModelCallError } from "../../../shared/models/model-call-error";
import { toJsonSchema } from "../../../shared/models/to-json-schema";
import { match } from "../../support/matchers";

describe("Anthropic", () => {
  it("counts cache writes and reads in the prompt (input_tokens leaves them out), reads as cached, thinking apart", () => {
    expect(
      mapAnthropicUsage({
        input_tokens: 10,
        cache_creation_input_tokens: 100,
        cache_read_input_tokens: 1000,
        output_tokens: 50,
        output_tokens_details: { thinking_tokens: 30 },
      }),
    ).toEqual({
      prompt_tokens: 1110,
      output_tokens: 50,
      total_tokens: 1160,
      cached_tokens: 1000,
      cache_write_tokens: 100,
      thinking_tokens: 30,
    });
    expect(
      mapAnthropicUsage({ input_tokens: 3, output_tokens: 4, cache_creation_input_tokens: null, cache_read_input_tokens: null }),
    ).toEqual({ prompt_tokens: 3, output_tokens: 4, total_tokens: 7 });
  });

  it("maps every stop reason", () => {
    expect(
      ["end_turn", "stop_sequence", "max_tokens", "model_context_window_exceeded", "refusal", "tool_use", "pause_turn", undefined].map(
        (r) => mapAnthropicStopReason(r),
      ),
    ).toEqual([
      { finishReason: "STOP", refused: false },
      { finishReason: "STOP", refused: false },
      { finishReason: "MAX_TOKENS", refused: false },
      { finishReason: "MAX_TOKENS", refused: false },
      { finishReason: "REFUSAL", refused: true },
      { finishReason: "TOOL_USE", refused: false },
      { finishReason: "PAUSE_TURN", refused: false },
      { finishReason: "FINISH_REASON_UNSPECIFIED", refused: false },
    ]);
  });

  it("takes the text blocks only, and treats an answer cut before any text as empty with reason MAX_TOKENS", () => {
    const content = [
      { type: "thinking", thinking: "hmm" },
      { type: "text", text: "a" },
      { type: "text", text: "b" },
    ];
    expect(mapAnthropicMessage({ content, stop_reason: "end_turn", usage: { input_tokens: 1, output_tokens: 2 } }, "m").text).toBe("ab");
    const cut = () =>
      mapAnthropicMessage(
        { content: [{ type: "thinking", thinking: "long" }], stop_reason: "max_tokens", usage: { input_tokens: 1, output_tokens: 9 } },
        "m",
      );
    expect(cut).toThrow(ModelCallError);
    expect(cut).toThrow(
      match.objectContaining({
        kind: "empty",
        options: match.objectContaining({ reason: "MAX_TOKENS", usage: match.objectContaining({ output_tokens: 9 }) }),
      }),
    );
  });
});

describe("OpenAI-compatible", () => {
  it("reports cached prompt tokens and reasoning tokens apart, inside the totals", () => {
    expect(
      mapOpenAiUsage({
        prompt_tokens: 100,
        completion_tokens: 40,
        total_tokens: 140,
        prompt_tokens_details: { cached_tokens: 64 },
        completion_tokens_details: { reasoning_tokens: 25 },
      }),
    ).toEqual({
      prompt_tokens: 100,
      output_tokens: 40,
      total_tokens: 140,
      cached_tokens: 64,
      thinking_tokens: 25,
    });
    // Servers that omit total_tokens (or usage altogether) still give a consistent total.
    expect(mapOpenAiUsage({ prompt_tokens: 2, completion_tokens: 3 })).toEqual({ prompt_tokens: 2, output_tokens: 3, total_tokens: 5 });
  });

  it("maps finish reasons; an answer cut without text is empty with reason MAX_TOKENS", () => {
    expect(["stop", "length", "content_filter", "tool_calls", null].map((r) => mapOpenAiFinishReason(r).finishReason)).toEqual([
      "STOP",
      "MAX_TOKENS",
      "SAFETY",
      "TOOL_CALLS",
      "FINISH_REASON_UNSPECIFIED",
    ]);
    expect(() =>
      mapChatCompletion(
        { choices: [{ message: { content: "" }, finish_reason: "length" }], usage: { prompt_tokens: 1, completion_tokens: 5 } },
        "m",
      ),
    ).toThrow(match.objectContaining({ kind: "empty", options: match.objectContaining({ reason: "MAX_TOKENS" }) }));
  });
});

describe("errors and wire details", () => {
  it("reads retry-after-ms, then retry-after as seconds or a date", () => {
    expect(retryAfter(new Headers({ "retry-after-ms": "250", "retry-after": "9" }))).toBe(250);
    expect(retryAfter(new Headers({ "retry-after": "2" }))).toBe(2000);
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    expect(retryAfter(new Headers({ "retry-after": inTenSeconds }))).toBeGreaterThan(8000);
    expect(retryAfter(new Headers())).toBeUndefined();
  });

  it("calls a missing Application Default Credential a config error that says how to fix it", () => {
    const error = mapVertexError(
      new Error("Could not load the default credentials. Browse to https://cloud.google.com/docs/authentication"),
      {
        model: "gemini-2.5-flash",
        baseUrl: "Vertex AI",
        timeoutMs: 1000,
        timedOut: false,
        aborted: false,
      },
    );
    expect(error).toMatchObject({ kind: "config", isRetryable: false });
    expect(error.message).toMatch(/roles\/aiplatform\.user.*gcloud auth application-default login.*VERTEX_BASE_URL/);
  });

  it("turns Gemini's schema into JSON Schema: lower-case types, nullable as a null type, closed objects", () => {
    expect(
      toJsonSchema({
        type: "OBJECT",
        propertyOrdering: ["a", "b"],
        properties: {
          a: { type: "STRING", nullable: true, description: "d" },
          b: { type: "ARRAY", items: { type: "INTEGER", minimum: 0 }, maxItems: 2 },
        },
        required: ["a"],
      }),
    ).toEqual({
      type: "object",
      properties: {
        a: { type: ["string", "null"], description: "d" },
        b: { type: "array", items: { type: "integer", minimum: 0 }, maxItems: 2 },
      },
      required: ["a"],
      additionalProperties: false,
    });
  });
});
