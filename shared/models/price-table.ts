// What a model's tokens cost: a price (USD per million tokens, and when it was read), the table of them, the cost of a
// call. The built-in prices are each provider's own (shared/providers/<name>/definition.ts), gathered with the override
// in shared/providers/default-prices.ts.
import { z } from "zod";
import type { TokenUsage } from "./token-usage";
import { tableIssueLines } from "../config/config-issue";

export const ModelPriceSchema = z.strictObject({
  /** USD per million prompt tokens (cached ones included: see costOf). */
  input_per_million: z.number().nonnegative(),
  /** USD per million output tokens, thinking tokens included (every provider bills them as output). */
  output_per_million: z.number().nonnegative(),
  /** The day the price was read, YYYY-MM-DD: prices change, and a cost is only as good as its price. */
  read_on: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "read_on is the day the price was read, YYYY-MM-DD"),
  /** Where it was read, or why it is an assumption. */
  source: z.string().optional(),
});
export type ModelPrice = z.infer<typeof ModelPriceSchema>;

/** Keyed by the provider's model name (what a model_key resolves to), so that overriding a key's model repriced it. */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

/** The environment variable holding an override: inline JSON keyed by model name. */
export const PRICE_TABLE_ENV = "LLM_PRICE_TABLE";

export const PriceTableOverrideSchema = z.record(z.string().min(1), ModelPriceSchema);

/** Merges an override (JSON text) over `base`; throws a message naming every bad entry. */
export function mergePriceTable(overrideJson: string | undefined, base: PriceTable): PriceTable {
  if (!overrideJson?.trim()) return base;
  let raw: unknown;
  try {
    raw = JSON.parse(overrideJson);
  } catch (err) {
    throw new Error(`${PRICE_TABLE_ENV} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = PriceTableOverrideSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = tableIssueLines(parsed.error.issues);
    throw new Error(`${PRICE_TABLE_ENV} is invalid:\n${lines.join("\n")}`);
  }
  return { ...base, ...parsed.data };
}

/**
 * USD for the usage, rounded to a billionth of a cent so that sums stay readable. Cached prompt tokens are charged
 * at the full input price: the table has one input price, so a cost with caching is an upper bound.
 */
export function costOf(usage: TokenUsage, price: ModelPrice): number {
  return roundUsd((usage.prompt_tokens * price.input_per_million + usage.output_tokens * price.output_per_million) / 1_000_000);
}

export function roundUsd(usd: number): number {
  return Math.round(usd * 1e11) / 1e11;
}
