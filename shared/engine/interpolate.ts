// Replaces `%name%` in a prompt or request with the step's input values, in one pass.
import type { Payload } from "../config/config-schemas";

/** A name starts with a letter or "_" (any script), so "50% off" or "%20" in a URL is never a variable. */
const VARIABLE = /%([\p{L}_][\p{L}\p{N}_.-]*)%/gu;

export interface Interpolation {
  text: string;
  /** Names that matched no input: left in the text as written. */
  unresolved: string[];
}

/**
 * Values are inserted as they are and never scanned again, so a model answer that happens to contain
 * `%user_prompt%` cannot pull another variable in (the original's repeated replace could).
 */
export function interpolate(template: string, values: Readonly<Payload>): Interpolation {
  if (!template.includes("%")) return { text: template, unresolved: [] };
  let unresolved: string[] | undefined;
  const text = template.replace(VARIABLE, (whole, name: string) => {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (value !== undefined) return value;
    (unresolved ??= []).includes(name) || unresolved.push(name);
    return whole;
  });
  return { text, unresolved: unresolved ?? [] };
}
