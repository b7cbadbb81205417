// What a model's tokens cost: a price (USD per million tokens, and when it was read), the table of them, the cost of a
// call. The built-in prices are each provider's own (shared/providers/<name>/definition.ts), gathered with the override
// in shared/providers/default-prices.ts.
import { z } from "zod";
import type { TokenUsage } from "./token-usage";
import { tableIssueLines } from "../config/config-issue";

/** USD per million tokens: a price is a non-negative number. */
const perMillion = z.number().nonnegative();

export const ModelPriceSchema = z.strictObject({
  /** USD per million prompt tokens; the price of every input class without its own price below. */
  input_per_million: perMillion,
  /** USD per million output tokens; the price of thinking tokens when thinking_per_million is absent. */
  output_per_million: perMillion,
  /** Per million thinking tokens; absent, they are priced as output (as every vendor bills them). */
  thinking_per_million: perMillion.optional(),
  /** Per million prompt tokens read from a cache; absent, they are priced as input (so the cost is an upper bound). */
  cached_input_per_million: perMillion.optional(),
  /** Per million prompt tokens written to a cache (Claude's cache writes); absent, priced as input. */
  cache_write_per_million: perMillion.optional(),
  /** Per million input / output tokens sent through the vendor's batch API; absent, the standard prices. */
  batch_input_per_million: perMillion.optional(),
  batch_output_per_million: perMillion.optional(),
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
 * USD for the usage, rounded to a billionth of a cent so that sums stay readable. Each class is priced at its own
 * rate when the price has one, else at the base price it is billed as: cached and cache-written prompt tokens at
 * input, thinking at output. Tool-use prompt tokens are input. `billing: "batch"` prices at the batch prices
 * (absent, the standard ones); the cache and thinking prices apply in both.
 */
export function costOf(usage: TokenUsage, price: ModelPrice, billing: "standard" | "batch" = "standard"): number {
  const input = billing === "batch" ? (price.batch_input_per_million ?? price.input_per_million) : price.input_per_million;
  const output = billing === "batch" ? (price.batch_output_per_million ?? price.output_per_million) : price.output_per_million;
  // A detail larger than what holds it (a vendor's inconsistency) is capped, so no class is priced negative.
  const cached = Math.min(usage.cached_tokens ?? 0, usage.prompt_tokens);
  const cacheWrite = Math.min(usage.cache_write_tokens ?? 0, usage.prompt_tokens - cached);
  const thinking = Math.min(usage.thinking_tokens ?? 0, usage.output_tokens);
  const micro =
    (usage.prompt_tokens - cached - cacheWrite) * input +
    cached * (price.cached_input_per_million ?? input) +
    cacheWrite * (price.cache_write_per_million ?? input) +
    (usage.output_tokens - thinking) * output +
    thinking * (price.thinking_per_million ?? output);
  return roundUsd(micro / 1_000_000);
}

export function roundUsd(usd: number): number {
  return Math.round(usd * 1e11) / 1e11;
}
