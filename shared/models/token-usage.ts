// Tokens a model call used, as the vendors report them: part of every model answer (model-provider.ts), summed by the
// engine into steps, tasks and jobs.
import { z } from "zod";

export const TokenUsageSchema = z.object({
  /** Everything the model read, cached tokens included. */
  prompt_tokens: z.number(),
  /** Everything the model wrote, thinking tokens included: that is what every provider bills as output. */
  output_tokens: z.number(),
  total_tokens: z.number(),
  /** Of prompt_tokens, those read from a cache, when the provider says. */
  cached_tokens: z.number().optional(),
  /** Of output_tokens, those spent thinking, when the provider says. */
  thinking_tokens: z.number().optional(),
});
export type TokenUsage = z.infer<typeof TokenUsageSchema>;

export const ZERO_USAGE: TokenUsage = Object.freeze({ prompt_tokens: 0, output_tokens: 0, total_tokens: 0 });

/** Sums two usages; a detail count (cached, thinking) is kept when either side reports it. */
export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  const sum: TokenUsage = {
    prompt_tokens: a.prompt_tokens + b.prompt_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
  };
  if (a.cached_tokens !== undefined || b.cached_tokens !== undefined) sum.cached_tokens = (a.cached_tokens ?? 0) + (b.cached_tokens ?? 0);
  if (a.thinking_tokens !== undefined || b.thinking_tokens !== undefined)
    sum.thinking_tokens = (a.thinking_tokens ?? 0) + (b.thinking_tokens ?? 0);
  return sum;
}
