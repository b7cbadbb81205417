// A model step's cost: its usage (every billed attempt) priced from the price table, or counted as unpriced.
import { costOf, type PriceTable } from "../models/price-table";
import { DEFAULT_PRICE_TABLE } from "../providers/default-prices";
import { addCost, ZERO_COST, type Cost, type StepRecord } from "./run-record";

/** Sets `record.cost`; a model with no price adds a warning instead of a made-up number. */
export function priceStep(record: StepRecord, prices: PriceTable = DEFAULT_PRICE_TABLE): void {
  const model = record.model ?? "";
  const price = Object.hasOwn(prices, model) ? prices[model] : undefined;
  const tokens = record.usage.total_tokens;
  if (price) {
    const billing = record.billing ?? "standard";
    record.cost = { usd: costOf(record.usage, price, billing), unpriced_tokens: 0 };
    // A batch-billed step also says what it would have cost synchronously: the saving a user weighs against the wait.
    if (billing === "batch") record.cost.standard_usd = costOf(record.usage, price, "standard");
    return;
  }
  record.cost = { usd: 0, unpriced_tokens: tokens };
  if (tokens > 0) {
    record.warnings.push(
      `no price for model "${model}" in the price table, so its ${tokens} tokens are not in the cost; add it to LLM_PRICE_TABLE`,
    );
  }
}

/** The sum of the steps' costs; function steps cost nothing here. */
export function sumCost(records: readonly StepRecord[]): Cost {
  return records.reduce((sum, r) => (r.cost ? addCost(sum, r.cost) : sum), ZERO_COST);
}
