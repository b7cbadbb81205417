// Each vendor's usage as its documentation shows it, through our mappers: every billed class recorded, and
// prompt + output = total (thinking inside output) for each. The shapes (field names, nesting, which counts are parts of
// which) are the vendors' documented ones, cited on each fixture; the numbers are ours, chosen to add up as the vendor's do.
import { describe, expect, it } from "vitest";
import { mapGeminiResponse, mapGeminiUsage } from "../../../shared/providers/gemini/map-gemini-response";
import { mapAnthropicUsage } from "../../../shared/providers/anthropic/map-anthropic-response";
import { mapOpenAiUsage } from "../../../shared/providers/openai/map-openai-response";
import { usageAddsUp, type TokenUsage } from "../../../shared/models/token-usage";
import { costOf, type ModelPrice } from "../../../shared/models/price-table";

function expectAddsUp(usage: TokenUsage): void {
  expect(usageAddsUp(usage), JSON.stringify(usage)).toBe(true);
}

describe("Gemini API and Vertex AI usageMetadata", () => {
  // ai.google.dev/api/generate-content#UsageMetadata: promptTokenCount includes cachedContentTokenCount;
  // toolUsePromptTokenCount and thoughtsTokenCount are apart; totalTokenCount is prompt + candidates + tool use + thoughts.
  const withEverything = {
    promptTokenCount: 2100,
    cachedContentTokenCount: 2048,
    candidatesTokenCount: 40,
    toolUsePromptTokenCount: 310,
    thoughtsTokenCount: 120,
    totalTokenCount: 2570,
    promptTokensDetails: [{ modality: "TEXT", tokenCount: 2100 }],
    cacheTokensDetails: [{ modality: "TEXT", tokenCount: 2048 }],
    toolUsePromptTokensDetails: [{ modality: "TEXT", tokenCount: 310 }],
  };

  it("records thoughts (as output), cached content and tool-use prompt tokens (as prompt), and adds up to the vendor's total", () => {
    const usage = mapGeminiUsage(withEverything);
    expect(usage).toEqual({
      prompt_tokens: 2410,
      output_tokens: 160,
      total_tokens: 2570,
      cached_tokens: 2048,
      tool_use_prompt_tokens: 310,
      thinking_tokens: 120,
    });
    expectAddsUp(usage);
  });

  it("reads a Gemini 2.5 answer that thought by default (the API's shape: thoughtsTokenCount, zeros omitted)", () => {
    const response = {
      candidates: [{ content: { parts: [{ text: "Paris." }], role: "model" }, finishReason: "STOP", index: 0 }],
      usageMetadata: {
        promptTokenCount: 11,
        candidatesTokenCount: 2,
        totalTokenCount: 985,
        promptTokensDetails: [{ modality: "TEXT", tokenCount: 11 }],
        thoughtsTokenCount: 972,
      },
      modelVersion: "gemini-2.5-flash",
    };
    const { usage } = mapGeminiResponse(response, "gemini-2.5-flash");
    expect(usage).toEqual({ prompt_tokens: 11, output_tokens: 974, total_tokens: 985, thinking_tokens: 972 });
    expectAddsUp(usage);
  });

  it("reads Vertex AI's usageMetadata (@google/genai's GenerateContentResponseUsageMetadata, trafficType and all)", () => {
    // cloud.google.com/vertex-ai/generative-ai/docs/reference/rest/v1/GenerateContentResponse#UsageMetadata
    const usage = mapGeminiUsage({
      promptTokenCount: 5,
      candidatesTokenCount: 8,
      thoughtsTokenCount: 40,
      totalTokenCount: 53,
      trafficType: "ON_DEMAND",
      promptTokensDetails: [{ modality: "TEXT", tokenCount: 5 }],
      candidatesTokensDetails: [{ modality: "TEXT", tokenCount: 8 }],
    });
    expect(usage).toEqual({ prompt_tokens: 5, output_tokens: 48, total_tokens: 53, thinking_tokens: 40 });
    expectAddsUp(usage);
  });

  it("prices each class at its own rate, and at input or output where the price has none", () => {
    const usage = mapGeminiUsage(withEverything);
    const base: ModelPrice = { input_per_million: 1, output_per_million: 10, read_on: "2026-01-01" };
    // Fallbacks: cached and tool use are input, thoughts are output.
    expect(costOf(usage, base)).toBeCloseTo((2410 * 1 + 160 * 10) / 1e6, 12);
    const own = { ...base, cached_input_per_million: 0.1, thinking_per_million: 20 };
    expect(costOf(usage, own)).toBeCloseTo(((2410 - 2048) * 1 + 2048 * 0.1 + 40 * 10 + 120 * 20) / 1e6, 12);
  });
});

describe("Anthropic Messages usage", () => {
  // docs.anthropic.com/en/docs/build-with-claude/prompt-caching ("Tracking cache performance"): input_tokens counts only
  // the tokens after the last cache breakpoint; cache_creation_input_tokens and cache_read_input_tokens are apart.
  const firstCall = {
    input_tokens: 21,
    cache_creation_input_tokens: 1800,
    cache_read_input_tokens: 0,
    output_tokens: 393,
    service_tier: "standard",
  };
  const secondCall = {
    input_tokens: 21,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 1800,
    output_tokens: 402,
    service_tier: "standard",
  };

  it("records cache writes and reads as parts of the prompt, and adds up", () => {
    const written = mapAnthropicUsage(firstCall);
    expect(written).toEqual({ prompt_tokens: 1821, output_tokens: 393, total_tokens: 2214, cache_write_tokens: 1800 });
    const read = mapAnthropicUsage(secondCall);
    expect(read).toEqual({ prompt_tokens: 1821, output_tokens: 402, total_tokens: 2223, cached_tokens: 1800 });
    expectAddsUp(written);
    expectAddsUp(read);
  });

  it("prices cache writes and reads at their own rates (Claude's: 1.25x and 0.1x input), else at input", () => {
    const price: ModelPrice = { input_per_million: 3, output_per_million: 15, read_on: "2026-01-01" };
    expect(costOf(mapAnthropicUsage(firstCall), price)).toBeCloseTo((1821 * 3 + 393 * 15) / 1e6, 12);
    const cachePrices = { ...price, cache_write_per_million: 3.75, cached_input_per_million: 0.3 };
    expect(costOf(mapAnthropicUsage(firstCall), cachePrices)).toBeCloseTo((21 * 3 + 1800 * 3.75 + 393 * 15) / 1e6, 12);
    expect(costOf(mapAnthropicUsage(secondCall), cachePrices)).toBeCloseTo((21 * 3 + 1800 * 0.3 + 402 * 15) / 1e6, 12);
  });
});

describe("OpenAI-compatible usage", () => {
  it("reads OpenAI's chat.completion usage: cached_tokens of the prompt, reasoning_tokens inside completion_tokens", () => {
    // platform.openai.com/docs/api-reference/chat/object (usage.prompt_tokens_details, usage.completion_tokens_details)
    const usage = mapOpenAiUsage({
      prompt_tokens: 2006,
      completion_tokens: 300,
      total_tokens: 2306,
      prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 192, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    });
    expect(usage).toEqual({ prompt_tokens: 2006, output_tokens: 300, total_tokens: 2306, cached_tokens: 1920, thinking_tokens: 192 });
    expectAddsUp(usage);
  });

  it("does not under-count a server that counts reasoning outside completion_tokens (total > prompt + completion)", () => {
    // The shape xAI's API documents for its reasoning models: total_tokens = prompt + completion + reasoning.
    const usage = mapOpenAiUsage({
      prompt_tokens: 32,
      completion_tokens: 9,
      total_tokens: 135,
      prompt_tokens_details: { text_tokens: 32, audio_tokens: 0, image_tokens: 0, cached_tokens: 6 },
      completion_tokens_details: { reasoning_tokens: 94, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    });
    expect(usage).toEqual({ prompt_tokens: 32, output_tokens: 103, total_tokens: 135, cached_tokens: 6, thinking_tokens: 94 });
    expectAddsUp(usage);
    // Reasoning larger than the completion is outside it even when the server sends no total.
    expect(mapOpenAiUsage({ prompt_tokens: 3, completion_tokens: 2, completion_tokens_details: { reasoning_tokens: 10 } })).toEqual({
      prompt_tokens: 3,
      output_tokens: 12,
      total_tokens: 15,
      thinking_tokens: 10,
    });
  });

  it("reads a bare usage (a server that reports only the three counts) as before", () => {
    const usage = mapOpenAiUsage({ prompt_tokens: 19, completion_tokens: 10, total_tokens: 29 });
    expect(usage).toEqual({ prompt_tokens: 19, output_tokens: 10, total_tokens: 29 });
    expectAddsUp(usage);
  });
});
