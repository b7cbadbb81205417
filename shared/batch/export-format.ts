// The export's two formats, one line (or CSV record) at a time: CSV (RFC 4180, a header row) or JSONL.
import { csvRecord } from "./csv";
import type { ExportRecord, Value } from "./export-records";

export const EXPORT_FORMATS = ["csv", "jsonl"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function headerLine(format: ExportFormat, columns: readonly string[]): string {
  return format === "csv" ? csvRecord(columns) : "";
}

/** CSV writes every value as text (an absent one empty); JSONL keeps numbers as numbers and an absent value null. */
export function recordLine(format: ExportFormat, columns: readonly string[], record: ExportRecord): string {
  if (format === "csv") return csvRecord(columns.map((c) => text(record[c] ?? null)));
  return `${JSON.stringify(Object.fromEntries(columns.map((c) => [c, record[c] ?? null])))}\n`;
}

const text = (value: Value): string => (value === null ? "" : String(value));
