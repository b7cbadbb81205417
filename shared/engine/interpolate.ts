// Replaces `%name%` in a prompt or request with the step's input values, in one pass.
import type { Payload } from "../config/config-schemas";

/** A name starts with a letter or "_" (any script), so "50% off" or "%20" in a URL is never a variable. */
export const VARIABLE_NAME = "([\\p{L}_][\\p{L}\\p{N}_.-]*)";
const VARIABLE = new RegExp(`%${VARIABLE_NAME}%`, "gu");

export interface Interpolation {
  text: string;
  /** Names that matched no input: left in the text as written. */
  unresolved: string[];
  /** Values that may not stand where their placeholder is, each said with its variable's name: the step fails. */
  refused?: string[];
}

/**
 * Values are inserted as they are and never scanned again, so a model answer that happens to contain
 * `%user_prompt%` cannot pull another variable in (the original's repeated replace could).
 */
export function interpolate(template: string, values: Readonly<Payload>): Interpolation {
  return substitute(template, values, (value) => value);
}

/**
 * The one pass every interpolation shares: `insert` decides how a value is written at the placeholder's
 * offset in the template (as it is, or escaped for JSON). Unresolved names stay as written and are reported.
 */
export function substitute(
  template: string,
  values: Readonly<Payload>,
  insert: (value: string, offset: number, name: string) => string,
): Interpolation {
  if (!template.includes("%")) return { text: template, unresolved: [] };
  let unresolved: string[] | undefined;
  const text = template.replace(VARIABLE, (whole, name: string, offset: number) => {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (value !== undefined) return insert(value, offset, name);
    if (!(unresolved ??= []).includes(name)) unresolved.push(name);
    return whole;
  });
  return { text, unresolved: unresolved ?? [] };
}

/** The length interpolate() would produce, without building the text: placeholders replaced by their values' lengths. */
export function interpolatedLength(template: string, values: Readonly<Payload>): number {
  if (!template.includes("%")) return template.length;
  let length = template.length;
  for (const [whole, name] of template.matchAll(VARIABLE)) {
    const value = Object.hasOwn(values, name!) ? values[name!] : undefined;
    if (value !== undefined) length += value.length - whole.length;
  }
  return length;
}
