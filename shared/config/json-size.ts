// How large a request is as JSON, measured before anything else looks at it: one walk with its own stack (no
// recursion, so no depth can overflow the call stack), which stops as soon as the count passes the limit.
import type { ConfigIssue } from "./config-issue";

/**
 * The UTF-8 size of `value` as JSON text (as JSON.stringify writes it, escapes counted), or, once the walk passed
 * `limit`, the size so far: then `over` is true and `bytes` a lower bound. Work is at most about `limit` characters.
 */
export function measureJson(value: unknown, limit: number): { over: boolean; bytes: number } {
  let bytes = 0;
  const pending: unknown[] = [value];
  while (pending.length) {
    const item = pending.pop();
    bytes += itemBytes(item, pending);
    if (bytes > limit) return { over: true, bytes };
  }
  return { over: false, bytes };
}

/** The bytes of one item's own text (brackets, commas, keys, a scalar); its children are pushed to `pending`. */
function itemBytes(item: unknown, pending: unknown[]): number {
  if (typeof item === "string") return stringBytes(item);
  if (typeof item === "number") return Number.isFinite(item) ? String(item).length : 4;
  if (typeof item === "boolean") return item ? 4 : 5;
  if (item === null || typeof item !== "object") return 4; // null; undefined and functions as JSON.stringify writes them in arrays
  if (Array.isArray(item)) {
    for (const child of item) pending.push(child);
    return 2 + Math.max(0, item.length - 1);
  }
  let bytes = 2;
  let keys = 0;
  for (const key in item) {
    if (!Object.hasOwn(item, key)) continue;
    const child = (item as Record<string, unknown>)[key];
    if (child === undefined) continue;
    bytes += stringBytes(key) + 1 + (keys++ ? 1 : 0);
    pending.push(child);
  }
  return bytes;
}

/** \b \t \n \f \r: the control characters JSON.stringify writes in two characters rather than as \u00XX. */
const SHORT_ESCAPES = new Set([0x08, 0x09, 0x0a, 0x0c, 0x0d]);

/** A JSON string's UTF-8 bytes: quotes, escapes, and each code unit's UTF-8 length, without building the text. */
function stringBytes(text: string): number {
  let bytes = 2;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22 || code === 0x5c || SHORT_ESCAPES.has(code)) bytes += 2;
    else if (code < 0x20) bytes += 6;
    else if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else bytes += 3; // a surrogate pair counts 3 + 3 here against UTF-8's 4: a slight overcount, never an undercount
  }
  return bytes;
}

/** The issue of a request over its size limit: the setting and its value, and what to do. */
export function requestSizeIssue(what: string, setting: string, limit: number, advice: string): ConfigIssue {
  return { path: "", message: `the ${what} is larger than ${limit} bytes as JSON, over ${setting} (${limit}); ${advice}` };
}
