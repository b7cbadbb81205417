// What a model's tokens cost: the price table (USD per million tokens, and when each price was read), overridable.
import { z } from "zod";
import type { TokenUsage } from "./token-usage";
import { tableIssueLines } from "../providers/model-table";

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

const READ_ON = "2026-12-01";
const GOOGLE =
  "Google's Gemini API pricing page (ai.google.dev/gemini-api/docs/pricing) as quoted by price listings; standard tier, prompts up to 200k tokens";
const price = (input: number, output: number, source: string): ModelPrice => ({
  input_per_million: input,
  output_per_million: output,
  read_on: READ_ON,
  source,
});
const assumed = (input: number, output: number, like: string): ModelPrice =>
  price(
    input,
    output,
    `ASSUMED: no published price could be read on ${READ_ON}; priced like ${like}. Check the vendor's pricing page and override with LLM_PRICE_TABLE`,
  );

/** Every model a built-in key names has a price here (a unit test holds that true). Vertex AI bills these models alike. */
export const DEFAULT_PRICE_TABLE: PriceTable = {
  "gemini-2.5-flash": price(0.3, 2.5, GOOGLE),
  "gemini-2.5-flash-lite": price(0.1, 0.4, GOOGLE),
  "gemini-2.5-pro": price(1.25, 10, GOOGLE),
  "gemini-3.5-flash": price(1.5, 9, GOOGLE),
  "gemini-3.1-pro-preview": price(2, 12, GOOGLE),
  "gemini-3.5-flash-lite": assumed(0.25, 1.5, "gemini-3.1-flash-lite"),
  "gemini-flash-latest": assumed(1.5, 9, "gemini-3.5-flash, the Flash model the alias named when this table was written"),
  "claude-haiku-5-5": assumed(1, 5, "Claude Haiku 4.5"),
  "claude-sonnet-5-5": assumed(3, 15, "Claude Sonnet 4.6"),
  "claude-opus-5-5": assumed(5, 25, "Claude Opus 4.7"),
};

/** The environment variable holding an override: inline JSON keyed by model name. */
export const PRICE_TABLE_ENV = "LLM_PRICE_TABLE";

export const PriceTableOverrideSchema = z.record(z.string().min(1), ModelPriceSchema);

/** Merges an override (JSON text) over the defaults; throws a message naming every bad entry. */
export function buildPriceTable(overrideJson: string | undefined, base: PriceTable = DEFAULT_PRICE_TABLE): PriceTable {
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
