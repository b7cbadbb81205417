// Tokens a model call used, as the vendors report them: part of every model answer (model-provider.ts), summed by the
// engine into steps, tasks and jobs. Every billed class is recorded; the detail counts are parts of prompt_tokens or
// output_tokens, never extra, so `prompt_tokens + output_tokens = total_tokens` holds for every vendor (usageAddsUp).
import { z } from "zod";

export const TokenUsageSchema = z.object({
  /** Everything the model read: cached, cache-written and tool-use prompt tokens included. */
  prompt_tokens: z.number(),
  /** Everything the model wrote, thinking tokens included: that is what every provider bills as output. */
  output_tokens: z.number(),
  total_tokens: z.number(),
  /** Of prompt_tokens, those read from a cache (Gemini cachedContentTokenCount, Claude cache_read_input_tokens, OpenAI cached_tokens). */
  cached_tokens: z.number().optional(),
  /** Of prompt_tokens, those written to the prompt cache (Claude cache_creation_input_tokens), billed above the input price. */
  cache_write_tokens: z.number().optional(),
  /** Of prompt_tokens, the results of tools the model ran (Gemini toolUsePromptTokenCount), billed as input. */
  tool_use_prompt_tokens: z.number().optional(),
  /** Of output_tokens, those spent thinking (Gemini thoughtsTokenCount, OpenAI reasoning_tokens, Claude's thinking), billed as output. */
  thinking_tokens: z.number().optional(),
});
export type TokenUsage = z.infer<typeof TokenUsageSchema>;

/** The detail counts: each is a part of prompt_tokens or output_tokens, kept when a vendor reports it. */
export const USAGE_DETAIL_KEYS = ["cached_tokens", "cache_write_tokens", "tool_use_prompt_tokens", "thinking_tokens"] as const;
export type UsageDetailKey = (typeof USAGE_DETAIL_KEYS)[number];

export const ZERO_USAGE: TokenUsage = Object.freeze({ prompt_tokens: 0, output_tokens: 0, total_tokens: 0 });

/** Sums two usages; a detail count is kept when either side reports it. */
export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  const sum: TokenUsage = {
    prompt_tokens: a.prompt_tokens + b.prompt_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
  };
  for (const key of USAGE_DETAIL_KEYS) {
    if (a[key] !== undefined || b[key] !== undefined) sum[key] = (a[key] ?? 0) + (b[key] ?? 0);
  }
  return sum;
}

/** The detail counts that are above zero, as fields to spread into a usage (vendors omit or zero the classes they did not bill). */
export function usageDetails(details: Partial<Record<UsageDetailKey, number>>): Partial<Record<UsageDetailKey, number>> {
  return Object.fromEntries(Object.entries(details).filter(([, count]) => typeof count === "number" && count > 0));
}

/**
 * Whether a usage is consistent: prompt + output = total, and every detail count fits inside the count it is a part
 * of. What a mapper returns must pass; a vendor answer it cannot make pass is a mapper bug, not a rounding matter.
 */
export function usageAddsUp(usage: TokenUsage): boolean {
  const promptParts = (usage.cached_tokens ?? 0) + (usage.cache_write_tokens ?? 0) + (usage.tool_use_prompt_tokens ?? 0);
  return (
    usage.prompt_tokens + usage.output_tokens === usage.total_tokens &&
    promptParts <= usage.prompt_tokens &&
    (usage.thinking_tokens ?? 0) <= usage.output_tokens
  );
}

/**
 * Prompt and output counts with the vendor's reported total: tokens the total holds beyond prompt + output (a class
 * the vendor counts but does not name, like reasoning kept outside completion_tokens) are counted as output, the
 * dearer rate, so a cost is never under-counted; a missing or smaller total is the sum.
 */
export function settleTotal(prompt_tokens: number, output_tokens: number, reportedTotal: number): TokenUsage {
  const unnamed = Math.max(0, reportedTotal - prompt_tokens - output_tokens);
  const output = output_tokens + unnamed;
  return { prompt_tokens, output_tokens: output, total_tokens: prompt_tokens + output };
}
