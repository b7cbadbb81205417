// Replaces `%name%` in a function-call request, which is JSON: a value inside a string literal is escaped as JSON.
import type { Payload } from "../config/config-schemas";
import { substitute, VARIABLE_NAME, type Interpolation } from "./interpolate";

/** A request that is one placeholder and nothing else (the original sample's `"request": "%data%"`). */
const WHOLE_PLACEHOLDER = new RegExp(`^\\s*%${VARIABLE_NAME}%\\s*$`, "u");

/**
 * Like interpolate(), but a value that lands inside a JSON string literal of the template is written as JSON
 * string content: a model answer holding quotes, backslashes or newlines then reaches the written row verbatim,
 * instead of breaking the request. A value outside any string (`"data": %row%`), or a request that is a single
 * placeholder, is inserted as written: there the value is meant to be JSON itself. Whether a placeholder lies
 * in a string is decided by the template's own text alone, so no value can change how another is inserted.
 */
export function interpolateRequest(template: string, values: Readonly<Payload>): Interpolation {
  if (WHOLE_PLACEHOLDER.test(template)) return substitute(template, values, (value) => value);
  const strings = jsonStringTracker(template);
  return substitute(template, values, (value, offset) => (strings.isInside(offset) ? JSON.stringify(value).slice(1, -1) : value));
}

/** Scans the template once, left to right: tells for increasing offsets whether each lies inside a string literal. */
function jsonStringTracker(template: string): { isInside(offset: number): boolean } {
  let at = 0;
  let inString = false;
  let escaped = false;
  return {
    isInside(offset) {
      for (; at < offset; at++) {
        const char = template[at];
        if (escaped) escaped = false;
        else if (inString && char === "\\")
          escaped = true; // `\"` inside a string does not end it
        else if (char === '"') inString = !inString;
      }
      return inString;
    },
  };
}
