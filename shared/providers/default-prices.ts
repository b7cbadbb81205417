// The built-in price table: every provider's prices (registry.ts), and an override (LLM_PRICE_TABLE) merged over it.
import { mergePriceTable, type PriceTable } from "../models/price-table";
import { PROVIDER_DEFINITIONS } from "./registry";

/** Every model a built-in key names has a price here (a unit test holds that true). */
export const DEFAULT_PRICE_TABLE: PriceTable = Object.fromEntries(
  PROVIDER_DEFINITIONS.flatMap((definition) => Object.entries(definition.prices)),
);

/** Merges an override (JSON text) over the defaults; throws a message naming every bad entry. */
export function buildPriceTable(overrideJson: string | undefined, base: PriceTable = DEFAULT_PRICE_TABLE): PriceTable {
  return mergePriceTable(overrideJson, base);
}
