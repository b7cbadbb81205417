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

/** Removes comments (keeping newlines, so positions in errors stay true) and trailing commas. */
export function stripJsonComments(text: string): string {
  let out = "";
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i];
    if (ch === '"') {
      const start = i++;
      while (i < n && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
      out += text.slice(start, ++i);
    } else if (ch === "/" && text[i + 1] === "/") {
      while (i < n && text[i] !== "\n") i++;
    } else if (ch === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end === -1 ? n : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, " ");
      i = stop;
    } else if (ch === ",") {
      let j = i + 1;
      while (j < n && /\s/.test(text[j]!)) j++;
      out += text[j] === "}" || text[j] === "]" ? " " : ",";
      i++;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

/** Parses JSONC text; a syntax error names its line and column. */
export function parseJsonc(text: string): unknown {
  const json = stripJsonComments(text.replace(/^\uFEFF/, ""));
  try {
    return JSON.parse(json);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const pos = /position (\d+)/.exec(message);
    const offset = pos ? Number(pos[1]) : json.length;
    const before = json.slice(0, offset).split("\n");
    const line = before.length;
    const column = before[before.length - 1]!.length + 1;
    throw new JsoncSyntaxError(`invalid JSON at line ${line}, column ${column}: ${message}`, line, column);
  }
}
