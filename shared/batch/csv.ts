// RFC 4180 CSV: the writer of `npm run export` and the reader of a batch's rows_file, small enough to own.

/** A field needs quotes when it holds the separator, a quote or a line break (RFC 4180 section 2, rules 5-7). */
const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** What a spreadsheet reads as the start of a formula (OWASP, CSV injection): `=`, `+`, `-`, `@`, a tab, a carriage return. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** A value that is only a decimal number (`-1.5`, `+3`, `-2e-4`): a spreadsheet reads it as that number, never a formula. */
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A value made safe to open in a spreadsheet, as OWASP advises against CSV injection: one that starts like a formula
 * gets a single quote before it, which makes the cell text. Unlike OWASP's rule, a value that is purely a number
 * (`-1.5`) is left as it is: it cannot hold a formula, and a column of scores should stay numbers.
 */
export function spreadsheetSafe(value: string): string {
  return FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}

/** One record, CRLF-terminated as RFC 4180 says; every value is written as text, exactly. */
export function csvRecord(values: readonly string[]): string {
  return `${values.map(csvField).join(",")}\r\n`;
}

export interface CsvRecord {
  /** The 1-based line of the file on which the record starts (a quoted field may span lines). */
  line: number;
  fields: string[];
}

export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = "CsvSyntaxError";
  }
}

/**
 * Parses RFC 4180 text: quoted fields may hold commas, doubled quotes and line breaks; records end with CRLF or LF.
 * A final line break is optional and a blank line between records is skipped. Strict about quotes, so that a
 * malformed file is reported with its line rather than read into shifted columns.
 */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let line = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a byte-order mark (spreadsheets write one) is not data
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      const field = readField(text, i, line);
      fields.push(field.value);
      i = field.end;
      line = field.line;
      if (text[i] === ",") {
        i++;
        continue;
      }
      break;
    }
    // End of record: CRLF, LF, or the end of the text.
    if (text[i] === "\r" && text[i + 1] === "\n") i += 2;
    else if (text[i] === "\n" || text[i] === "\r") i += 1;
    if (i <= text.length) line++;
    if (!(fields.length === 1 && fields[0] === "")) records.push({ line: start, fields });
  }
  return records;
}

function readField(text: string, from: number, line: number): { value: string; end: number; line: number } {
  if (text[from] !== '"') {
    let end = from;
    while (end < text.length && text[end] !== "," && text[end] !== "\n" && text[end] !== "\r") {
      if (text[end] === '"')
        throw new CsvSyntaxError(line, 'a quote inside an unquoted field; quote the whole field and double the quote ("")');
      end++;
    }
    return { value: text.slice(from, end), end, line };
  }
  let value = "";
  let i = from + 1;
  for (;;) {
    const quote = text.indexOf('"', i);
    if (quote === -1) throw new CsvSyntaxError(line, "a quoted field is never closed");
    const chunk = text.slice(i, quote);
    value += chunk;
    line += countLineBreaks(chunk);
    if (text[quote + 1] === '"') {
      value += '"';
      i = quote + 2;
      continue;
    }
    const after = text[quote + 1];
    if (after !== undefined && after !== "," && after !== "\n" && after !== "\r") {
      throw new CsvSyntaxError(line, "text after the closing quote of a field; a quote inside a quoted field is written twice");
    }
    return { value, end: quote + 1, line };
  }
}

function countLineBreaks(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\n") n++;
    else if (text[i] === "\r" && text[i + 1] !== "\n") n++;
  }
  return n;
}
