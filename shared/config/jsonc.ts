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
 */
export function findSyntaxErrorOffset(json: string): number {
  let i = 0;
  const ws = () => {
    while (i < json.length && " \t\n\r".includes(json[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => (json.startsWith(word, i) ? (i += word.length) : fail());
  const string = () => {
    i++;
    while (i < json.length && json[i] !== '"') {
      if (json[i]! < " ") fail();
      i += json[i] === "\\" ? 2 : 1;
    }
    if (i >= json.length) fail();
    i++;
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(json.slice(i, i + 400));
    if (!m) fail();
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = json[i];
    if (c === "{") {
      i++;
      ws();
      if (json[i] === "}") return void i++;
      for (;;) {
        ws();
        if (json[i] !== '"') fail();
        string();
        ws();
        if (json[i] !== ":") fail();
        i++;
        value();
        ws();
        if (json[i] === ",") i++;
        else if (json[i] === "}") return void i++;
        else fail();
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (json[i] === "]") return void i++;
      for (;;) {
        value();
        ws();
        if (json[i] === ",") i++;
        else if (json[i] === "]") return void i++;
        else fail();
      }
    }
    if (c === '"') return string();
    if (c === "t") return void literal("true");
    if (c === "f") return void literal("false");
    if (c === "n") return void literal("null");
    return number();
  };
  try {
    value();
    ws();
    return i < json.length ? i : json.length;
  } catch (offset) {
    return Math.min(offset as number, json.length);
  }
}
