// Input binding: a step's (or chained task's) declared variables take their values from the running payload.
import type { Payload } from "../config/config-schemas";

export const CONTEXT = "context";

export interface Binding {
  inputs: Payload;
  /** Declared names the running payload lacked; their defaults were kept. */
  missing: string[];
}

/** Declared names take the running value when present, else keep their default; `context` always comes along. */
export function bindInputs(declared: Readonly<Payload>, running: Readonly<Payload>): Binding {
  const inputs: Payload = {};
  const missing: string[] = [];
  for (const name in declared) {
    const value = Object.hasOwn(running, name) ? running[name] : undefined;
    if (value !== undefined) inputs[name] = value;
    else {
      inputs[name] = declared[name]!;
      missing.push(name);
    }
  }
  const context = Object.hasOwn(running, CONTEXT) ? running[CONTEXT] : undefined;
  if (context !== undefined) inputs[CONTEXT] = context;
  return { inputs, missing };
}
