// Issue 19: a call paid through a vendor's batch API costs the batch price and says what it would have cost
// synchronously; the built-in batch prices are half the standard ones; sums keep both figures.
import { describe, expect, it } from "vitest";
import { addCost, type StepRecord } from "../../../shared/engine/run-record";
import { priceStep, sumCost } from "../../../shared/engine/step-cost";
import { costOf } from "../../../shared/models/price-table";
import { BATCH_PRICE_FACTOR, buildPriceTable, DEFAULT_PRICE_TABLE, withBatchPrices } from "../../../shared/providers/default-prices";

const usage = { prompt_tokens: 1_000_000, output_tokens: 1_000_000, total_tokens: 2_000_000 };

function modelStep(extra: Partial<StepRecord> = {}): StepRecord {
  return {
    step_id: "s",
    name: "s",
    step_type: "model_query",
    model: "gemini-2.5-flash",
    response: "x",
    status: "success",
    latency_ms: 1,
    attempts: 1,
    usage,
    warnings: [],
    ...extra,
  };
}

describe("issue 19: costs of batch-billed calls", () => {
  it("every built-in price has batch prices at half its standard ones, saying where that comes from", () => {
    expect(BATCH_PRICE_FACTOR).toBe(0.5);
    for (const [model, price] of Object.entries(DEFAULT_PRICE_TABLE)) {
      expect(price.batch_input_per_million, model).toBe(price.input_per_million / 2);
      expect(price.batch_output_per_million, model).toBe(price.output_per_million / 2);
      expect(price.source, model).toContain("batch prices: 50% of the standard prices");
    }
    // gemini-2.5-flash: $0.30 and $2.50 a million, so a million of each through the batch API costs $1.40.
    expect(costOf(usage, DEFAULT_PRICE_TABLE["gemini-2.5-flash"]!, "batch")).toBe(1.4);
    expect(costOf(usage, DEFAULT_PRICE_TABLE["gemini-2.5-flash"]!, "standard")).toBe(2.8);
  });

  it("keeps batch prices a definition gives, and leaves an LLM_PRICE_TABLE entry's own (absent: its standard prices)", () => {
    const own = {
      input_per_million: 4,
      output_per_million: 8,
      batch_input_per_million: 1,
      batch_output_per_million: 1,
      read_on: "2026-12-01",
    };
    expect(withBatchPrices(own)).toBe(own);
    const prices = buildPriceTable('{"m":{"input_per_million":4,"output_per_million":8,"read_on":"2026-12-01"}}');
    expect(prices.m!.batch_input_per_million).toBeUndefined();
  });

  it("a batch-billed step costs the batch price and records its synchronous cost; a standard one records none", () => {
    const batched = modelStep({ billing: "batch" });
    priceStep(batched);
    expect(batched.cost).toEqual({ usd: 1.4, unpriced_tokens: 0, standard_usd: 2.8 });
    const direct = modelStep();
    priceStep(direct);
    expect(direct.cost).toEqual({ usd: 2.8, unpriced_tokens: 0 });
    const unpriced = modelStep({ billing: "batch", model: "nobody-prices-me" });
    priceStep(unpriced);
    expect(unpriced.cost).toEqual({ usd: 0, unpriced_tokens: 2_000_000 });
  });

  it("sums keep standard_usd when any part has it, counting a part without it at its usd", () => {
    expect(addCost({ usd: 1, unpriced_tokens: 0 }, { usd: 2, unpriced_tokens: 1 })).toEqual({ usd: 3, unpriced_tokens: 1 });
    expect(addCost({ usd: 0.1, unpriced_tokens: 0, standard_usd: 0.2 }, { usd: 0.2, unpriced_tokens: 0, standard_usd: 0.4 })).toEqual({
      usd: 0.3,
      unpriced_tokens: 0,
      standard_usd: 0.6,
    });
    const steps = [modelStep({ billing: "batch" }), modelStep({ step_type: "function_call", model: undefined, cost: undefined })];
    priceStep(steps[0]!);
    expect(sumCost(steps)).toEqual({ usd: 1.4, unpriced_tokens: 0, standard_usd: 2.8 });
    expect(addCost({ usd: 1, unpriced_tokens: 0 }, { usd: 0.5, unpriced_tokens: 0, standard_usd: 1 })).toEqual({
      usd: 1.5,
      unpriced_tokens: 0,
      standard_usd: 2,
    });
  });
});
