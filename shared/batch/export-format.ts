// The export's two formats, one line (or CSV record) at a time: CSV (RFC 4180, a header row) or JSONL.
import { csvRecord, spreadsheetSafe } from "./csv";
import type { ExportRecord, Value } from "./export-records";

export const EXPORT_FORMATS = ["csv", "jsonl"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  /**
   * CSV only: every value exactly as stored. By default a value a spreadsheet would read as a formula (it starts with
   * `=`, `+`, `-`, `@`, a tab or a carriage return, and is not a plain number) is written with a `'` before it
   * (csv.ts, spreadsheetSafe). JSONL is always exact.
   */
  raw?: boolean | undefined;
}

export function headerLine(format: ExportFormat, columns: readonly string[], options: ExportOptions = {}): string {
  return format === "csv" ? csvCells(columns, options) : "";
}

/** CSV writes every value as text (an absent one empty); JSONL keeps numbers as numbers and an absent value null. */
export function recordLine(format: ExportFormat, columns: readonly string[], record: ExportRecord, options: ExportOptions = {}): string {
  if (format === "csv")
    return csvCells(
      columns.map((c) => text(record[c] ?? null)),
      options,
    );
  return `${JSON.stringify(Object.fromEntries(columns.map((c) => [c, record[c] ?? null])))}\n`;
}

const csvCells = (values: readonly string[], { raw }: ExportOptions): string => csvRecord(raw ? values : values.map(spreadsheetSafe));

const text = (value: Value): string => (value === null ? "" : String(value));
