// vitest types its asymmetric matchers as returning `any`, so that one fits a field of any type; but a field given an
// `any` is what no-unsafe-assignment forbids, and an `any` hides mistakes in the code around it. `match` is vitest's
// own `expect` object, the very same one, seen through a type whose matchers return `unknown`: what they return is a
// matcher to compare against, not a value of the field's type.
import { expect } from "vitest";

interface AsymmetricMatchers {
  any(type: unknown): unknown;
  stringContaining(text: string): unknown;
  stringMatching(pattern: string | RegExp): unknown;
  objectContaining(fields: Record<string, unknown>): unknown;
  arrayContaining(items: unknown[]): unknown;
}

export const match: AsymmetricMatchers = expect;
