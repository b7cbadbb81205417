// Replaces `%name%` in a function-call request, which is JSON: a value inside a string literal is escaped as JSON,
// and a value outside any string must be exactly one JSON value.
import type { Payload } from "../config/config-schemas";
import { substitute, VARIABLE_NAME, type Interpolation } from "./interpolate";

/** A request that is one placeholder and nothing else (the original sample's `"request": "%data%"`). */
const WHOLE_PLACEHOLDER = new RegExp(`^\\s*%${VARIABLE_NAME}%\\s*$`, "u");

/**
 * Like interpolate(), but a value that lands inside a JSON string literal of the template is written as JSON
 * string content: a model answer holding quotes, backslashes or newlines then reaches the written row verbatim,
 * instead of breaking the request. A value outside any string (`"data": %row%`) is inserted as written, since
 * there the value is meant to be JSON itself; but only when it is exactly one whole JSON value, so that no answer
 * can end the value early and add fields of its own to the request (`{"k":1},"collection":"elsewhere"`): any other
 * value is refused, by name, and the step fails. A request that is a single placeholder is the value as written.
 * Whether a placeholder lies in a string is decided by the template's own text alone, so no value can change how
 * another is inserted.
 */
export function interpolateRequest(template: string, values: Readonly<Payload>): Interpolation {
  const refused: string[] = [];
  const asJson = (value: string, name: string) => {
    const problem = notOneJsonValue(value);
    if (problem && !refused.some((r) => r.startsWith(`%${name}% `))) refused.push(refusal(name, problem));
    return value;
  };
  // A value that is the whole request has nothing around it to change: the function itself says if it is not JSON.
  if (WHOLE_PLACEHOLDER.test(template)) return substitute(template, values, (value) => value);
  const strings = jsonStringTracker(template);
  const result = substitute(template, values, (value, offset, name) =>
    strings.isInside(offset) ? JSON.stringify(value).slice(1, -1) : asJson(value, name),
  );
  return refused.length ? { ...result, refused } : result;
}

/** Why `text` is not exactly one JSON value (whitespace around it allowed), or undefined when it is. */
export function notOneJsonValue(text: string): string | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

function refusal(name: string, problem: string): string {
  return (
    `%${name}% stands outside a JSON string, so its value must be exactly one JSON value (an object, an array, a ` +
    `number, true, false, null or a quoted string), and it is not (${problem}); have the step that sets ${name} answer ` +
    `with one JSON value, or put the placeholder inside quotes ("%${name}%") to write the value as text`
  );
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
