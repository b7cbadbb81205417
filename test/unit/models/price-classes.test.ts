// The price table's per-class prices: optional, compatible with existing overrides and records, and costOf's fallbacks.
import { describe, expect, it } from "vitest";
import { costOf, mergePriceTable, type ModelPrice } from "../../../shared/models/price-table";
import { addUsage, TokenUsageSchema, usageAddsUp } from "../../../shared/models/token-usage";

const base: ModelPrice = { input_per_million: 2, output_per_million: 8, read_on: "2026-01-01" };

describe("per-class prices", () => {
  it("an LLM_PRICE_TABLE entry without the new fields still parses, and one with them keeps them", () => {
    const table = mergePriceTable(
      JSON.stringify({
        old: { input_per_million: 1, output_per_million: 2, read_on: "2025-01-01" },
        new: {
          ...base,
          thinking_per_million: 9,
          cached_input_per_million: 0.2,
          cache_write_per_million: 2.5,
          batch_input_per_million: 1,
          batch_output_per_million: 4,
        },
      }),
      {},
    );
    expect(table.old).toEqual({ input_per_million: 1, output_per_million: 2, read_on: "2025-01-01" });
    expect(table.new?.cached_input_per_million).toBe(0.2);
    expect(() => mergePriceTable(JSON.stringify({ m: { ...base, thinking_per_million: -1 } }), {})).toThrow(
      /m\.thinking_per_million|thinking_per_million/,
    );
  });

  it("without per-class prices, costs what it always did: cached and cache writes at input, thinking at output", () => {
    const usage = {
      prompt_tokens: 100,
      output_tokens: 50,
      total_tokens: 150,
      cached_tokens: 60,
      cache_write_tokens: 10,
      thinking_tokens: 30,
    };
    expect(costOf(usage, base)).toBeCloseTo((100 * 2 + 50 * 8) / 1e6, 12);
  });

  it("prices batch calls at the batch prices, falling back to the standard ones", () => {
    const usage = { prompt_tokens: 1000, output_tokens: 100, total_tokens: 1100 };
    expect(costOf(usage, base, "batch")).toBeCloseTo(costOf(usage, base), 12);
    expect(costOf(usage, { ...base, batch_input_per_million: 1, batch_output_per_million: 4 }, "batch")).toBeCloseTo(
      (1000 + 400) / 1e6,
      12,
    );
  });

  it("caps a detail larger than what holds it, so no class is priced below zero", () => {
    const odd = { prompt_tokens: 10, output_tokens: 5, total_tokens: 15, cached_tokens: 50, thinking_tokens: 9 };
    expect(costOf(odd, { ...base, cached_input_per_million: 0, thinking_per_million: 0 })).toBe(0);
    expect(usageAddsUp(odd)).toBe(false);
  });
});

describe("TokenUsage records", () => {
  it("a record written before the new classes still parses, and sums keep every class either side reports", () => {
    expect(TokenUsageSchema.parse({ prompt_tokens: 1, output_tokens: 2, total_tokens: 3 })).toEqual({
      prompt_tokens: 1,
      output_tokens: 2,
      total_tokens: 3,
    });
    const sum = addUsage(
      { prompt_tokens: 10, output_tokens: 5, total_tokens: 15, cache_write_tokens: 4, tool_use_prompt_tokens: 2 },
      { prompt_tokens: 10, output_tokens: 5, total_tokens: 15, cached_tokens: 3, thinking_tokens: 1 },
    );
    expect(sum).toEqual({
      prompt_tokens: 20,
      output_tokens: 10,
      total_tokens: 30,
      cached_tokens: 3,
      cache_write_tokens: 4,
      tool_use_prompt_tokens: 2,
      thinking_tokens: 1,
    });
    expect(usageAddsUp(sum)).toBe(true);
  });
});
