// Parses JSON that may carry `//` and `/* */` comments and trailing commas, as hand-written configs do.

export class JsoncSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = "JsoncSyntaxError";
  }
}

/** Calls `visit` for each character outside strings; string literals are copied through untouched. */
function transformOutsideStrings(text: string, visit: (text: string, i: number, out: string[]) => number): string {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      const start = i++;
      while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      out.push(text.slice(start, ++i));
    } else {
      i = visit(text, i, out);
    }
  }
  return out.join("");
}

/** Removes comments (keeping newlines and widths, so positions in errors stay true), then trailing commas. */
export function stripJsonComments(text: string): string {
  const noComments = transformOutsideStrings(text, (t, i, out) => {
    if (t[i] === "/" && t[i + 1] === "/") {
      let j = i;
      while (j < t.length && t[j] !== "\n") j++;
      out.push(" ".repeat(j - i));
      return j;
    }
    if (t[i] === "/" && t[i + 1] === "*") {
      const end = t.indexOf("*/", i + 2);
      const stop = end === -1 ? t.length : end + 2;
      out.push(t.slice(i, stop).replace(/[^\n]/g, " "));
      return stop;
    }
    out.push(t[i]!);
    return i + 1;
  });
  return transformOutsideStrings(noComments, (t, i, out) => {
    if (t[i] === ",") {
      let j = i + 1;
      while (j < t.length && /\s/.test(t[j]!)) j++;
      out.push(t[j] === "}" || t[j] === "]" ? " " : ",");
    } else out.push(t[i]!);
    return i + 1;
  });
}

/** Parses JSONC text; a syntax error names its line and column. */
export function parseJsonc(text: string): unknown {
  const json = stripJsonComments(text.replace(/^\uFEFF/, ""));
  try {
    return JSON.parse(json);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const offset = findSyntaxErrorOffset(json);
    const before = json.slice(0, offset).split("\n");
    const line = before.length;
    const column = before[before.length - 1]!.length + 1;
    throw new JsoncSyntaxError(`invalid JSON at line ${line}, column ${column}: ${message}`, line, column);
  }
}

/**
 * Where the JSON stops being valid. V8 does not always say (Node 20's "Unexpected token" carries no
 * position), so a small scanner walks the grammar and returns the offset of the first bad character.
 * Each scan function takes the offset where its part starts and returns the offset just past it.
 */
export function findSyntaxErrorOffset(json: string): number {
  try {
    const end = skipWhitespace(json, scanValue(json, 0));
    return end < json.length ? end : json.length;
  } catch (err) {
    // A scan too deep for the stack has no offset: the start then, as V8's own message gives none either.
    return err instanceof BadCharacter ? Math.min(err.offset, json.length) : 0;
  }
}

/** Stops the scan at the first bad character: findSyntaxErrorOffset catches it for its offset. */
class BadCharacter extends Error {
  constructor(readonly offset: number) {
    super(`invalid JSON at offset ${offset}`);
  }
}

function fail(at: number): never {
  throw new BadCharacter(at);
}

function skipWhitespace(json: string, start: number): number {
  let i = start;
  while (i < json.length && " \t\n\r".includes(json[i]!)) i++;
  return i;
}

function scanValue(json: string, start: number): number {
  const i = skipWhitespace(json, start);
  const c = json[i];
  if (c === "{") return scanList(json, i, "}");
  if (c === "[") return scanList(json, i, "]");
  if (c === '"') return scanString(json, i);
  if (c === "t") return scanLiteral(json, i, "true");
  if (c === "f") return scanLiteral(json, i, "false");
  if (c === "n") return scanLiteral(json, i, "null");
  return scanNumber(json, i);
}

/** An object's members or an array's values, comma-separated, from the opening bracket at `open` past `close`. */
function scanList(json: string, open: number, close: "}" | "]"): number {
  let i = skipWhitespace(json, open + 1);
  if (json[i] === close) return i + 1;
  for (;;) {
    const valueStart = close === "}" ? scanMemberName(json, i) : i;
    i = skipWhitespace(json, scanValue(json, valueStart));
    if (json[i] === ",") i++;
    else if (json[i] === close) return i + 1;
    else fail(i);
  }
}

/** An object member's `"name":`, up to where its value may start. */
function scanMemberName(json: string, start: number): number {
  let i = skipWhitespace(json, start);
  if (json[i] !== '"') fail(i);
  i = skipWhitespace(json, scanString(json, i));
  if (json[i] !== ":") fail(i);
  return i + 1;
}

function scanString(json: string, open: number): number {
  let i = open + 1;
  while (i < json.length && json[i] !== '"') {
    if (json[i]! < " ") fail(i);
    i += json[i] === "\\" ? 2 : 1;
  }
  if (i >= json.length) fail(i);
  return i + 1;
}

function scanLiteral(json: string, start: number, word: string): number {
  return json.startsWith(word, start) ? start + word.length : fail(start);
}

function scanNumber(json: string, start: number): number {
  const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(json.slice(start, start + 400));
  if (!m) fail(start);
  return start + m[0].length;
}
