// The built-in price table: every provider's prices (registry.ts), and an override (LLM_PRICE_TABLE) merged over it.
import { mergePriceTable, type ModelPrice, type PriceTable } from "../models/price-table";
import { PROVIDER_DEFINITIONS } from "./registry";

/**
 * Every vendor sells its batch API at half its standard price (the Gemini API's Batch Mode, Anthropic's Message
 * Batches, OpenAI's Batch API; Vertex AI's batch prediction too): one rule for every built-in price, so that no batch
 * price is copied by hand. A definition that gives its own batch prices keeps them.
 */
export const BATCH_PRICE_FACTOR = 0.5;
const BATCH_PRICE_SOURCE = "batch prices: 50% of the standard prices, as each vendor's batch API documentation states";

export function withBatchPrices(price: ModelPrice): ModelPrice {
  if (price.batch_input_per_million !== undefined && price.batch_output_per_million !== undefined) return price;
  return {
    ...price,
    batch_input_per_million: price.batch_input_per_million ?? price.input_per_million * BATCH_PRICE_FACTOR,
    batch_output_per_million: price.batch_output_per_million ?? price.output_per_million * BATCH_PRICE_FACTOR,
    source: price.source ? `${price.source}; ${BATCH_PRICE_SOURCE}` : BATCH_PRICE_SOURCE,
  };
}

/** Every model a built-in key names has a price here (a unit test holds that true). */
export const DEFAULT_PRICE_TABLE: PriceTable = Object.fromEntries(
  PROVIDER_DEFINITIONS.flatMap((definition) =>
    Object.entries(definition.prices).map(([model, price]) => [model, withBatchPrices(price)] as const),
  ),
);

/** Merges an override (JSON text) over the defaults; throws a message naming every bad entry. */
export function buildPriceTable(overrideJson: string | undefined, base: PriceTable = DEFAULT_PRICE_TABLE): PriceTable {
  return mergePriceTable(overrideJson, base);
}
