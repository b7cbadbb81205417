// Reads a batch's rows_file: CSV with a header row, or JSONL (one object per line); every problem with its line.
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import type { ConfigIssue } from "../../shared/config/config-issue";
import { describe } from "../../shared/config/config-schemas";
import type { Row } from "../../shared/batch/batch-schema";
import { CsvSyntaxError, parseCsv } from "../../shared/batch/csv";

export interface FileRows {
  rows: Row[];
  /** The line each row starts on, for messages. */
  lines: number[];
  /** CSV: the header's column names, where a misspelt variable is reported once rather than on every row. */
  columns?: string[];
  issues: ConfigIssue[];
}

/** `label` names the file in messages (as the batch file wrote it); issues are at `<label>:<line>[.<variable>]`. */
export async function readRowsFile(path: string, label: string): Promise<FileRows> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a folder" : (err as Error).message;
    return {
      rows: [],
      lines: [],
      issues: [{ path: "rows_file", message: `cannot read ${label}: ${why} (a rows_file is relative to the batch file)` }],
    };
  }
  const kind = extname(path).toLowerCase();
  if (kind === ".csv") return csvRows(text, label);
  if (kind === ".jsonl" || kind === ".ndjson") return jsonlRows(text, label);
  return {
    rows: [],
    lines: [],
    issues: [{ path: "rows_file", message: `${label}: a rows_file is .csv (with a header row) or .jsonl (one JSON object per line)` }],
  };
}

export function csvRows(text: string, label: string): FileRows {
  let records;
  try {
    records = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvSyntaxError)
      return { rows: [], lines: [], issues: [{ path: `${label}:${err.line}`, message: err.message.replace(/^line \d+: /, "") }] };
    throw err;
  }
  const [header, ...body] = records;
  if (!header)
    return {
      rows: [],
      lines: [],
      issues: [{ path: label, message: "the file is empty; a CSV rows_file starts with a header row naming the variables" }],
    };
  const issues: ConfigIssue[] = [];
  const columns = header.fields.map((c) => c.trim());
  columns.forEach((name, i) => {
    if (!name) issues.push({ path: `${label}:${header.line}`, message: `column ${i + 1} of the header has no name` });
    else if (columns.indexOf(name) !== i)
      issues.push({ path: `${label}:${header.line}`, message: `column ${JSON.stringify(name)} appears twice in the header` });
  });
  const rows: Row[] = [];
  const lines: number[] = [];
  for (const [n, record] of body.entries()) {
    if (record.fields.length !== columns.length) {
      const message = `row ${n + 1} has ${record.fields.length} field${record.fields.length === 1 ? "" : "s"}, the header ${columns.length}; a value with a comma needs quotes`;
      issues.push({ path: `${label}:${record.line}`, message });
      continue;
    }
    rows.push(Object.fromEntries(columns.map((c, i) => [c, record.fields[i]!])));
    lines.push(record.line);
  }
  if (!body.length && !issues.length) issues.push({ path: label, message: "the file has a header but no rows" });
  return { rows, lines, columns, issues };
}

export function jsonlRows(text: string, label: string): FileRows {
  const rows: Row[] = [];
  const lines: number[] = [];
  const issues: ConfigIssue[] = [];
  text.split(/\r?\n/).forEach((source, i) => {
    if (!source.trim()) return;
    const line = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch (err) {
      issues.push({ path: `${label}:${line}`, message: `not valid JSON: ${(err as Error).message}` });
      return;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      issues.push({ path: `${label}:${line}`, message: `a line is one object of variable -> text, got ${describe(value)}` });
      return;
    }
    const bad = Object.entries(value).filter(([, v]) => typeof v !== "string");
    for (const [name, v] of bad)
      issues.push({
        path: `${label}:${line}.${name}`,
        message: `expected a string, got ${describe(v)}: row values are text (quote it: "${String(v)}")`,
      });
    if (bad.length) return;
    rows.push(value as Row);
    lines.push(line);
  });
  if (!rows.length && !issues.length) issues.push({ path: label, message: "the file has no rows" });
  return { rows, lines, issues };
}
