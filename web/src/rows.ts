// A batch's rows as the table and the download show them: the export's columns and records (the batch engine's
// export-records.ts, as `npm run export` uses them), filtering and sorting, and the export's CSV and JSONL writer.
import { headerLine, recordLine, type ExportFormat, type ExportOptions } from "../../shared/batch/export-format";
import { batchColumns, NUMBER_COLUMNS, runRecord, type ExportRecord, type Value } from "../../shared/batch/export-records";
import type { JobView } from "./records";

export type Cell = Value;

export interface Column {
  /** The column's name in the CSV header and the JSONL keys. */
  key: string;
  /** How it sorts: numbers by value, ids by code unit (the export's document order), other text as people read it. */
  sortAs: "number" | "id" | "text";
  value: (row: JobView) => Cell;
}

/** The batch's own column order (its document lists its variables and outputs), when it is known. */
export interface ColumnLayout {
  variables: readonly string[];
  outputVariables: readonly string[];
}

const ID_COLUMNS = new Set(["row_id", "job_id"]);

/**
 * The columns of `npm run export`, from its own batchColumns, each cell from its own runRecord of the job as read: so
 * the table and the downloads are the export's by construction. Before the batch's document is read (no layout), the
 * variables the rows name stand in for its own, sorted.
 */
export function exportColumns(rows: readonly JobView[], layout?: ColumnLayout): Column[] {
  const shape = {
    variables: [...(layout?.variables ?? seen(rows.flatMap((r) => Object.keys(r.inputs))))],
    output_variables: [...(layout?.outputVariables ?? seen(rows.flatMap((r) => Object.keys(r.outputs))))],
  };
  // One record per row for every cell of every column: built once, when first asked for.
  const records = new WeakMap<JobView, ExportRecord>();
  const record = (row: JobView): ExportRecord => {
    const made = records.get(row) ?? runRecord(shape, row.id, row.doc, row.referencedOutputs);
    records.set(row, made);
    return made;
  };
  return batchColumns(shape).map((key) => ({
    key,
    sortAs: NUMBER_COLUMNS.has(key) ? "number" : ID_COLUMNS.has(key) ? "id" : "text",
    value: (row) => record(row)[key] ?? null,
  }));
}

const seen = (names: readonly string[]): string[] => [...new Set(names)].sort();

/** The input variable names a row filter can test. */
export function inputNames(rows: readonly JobView[]): string[] {
  return [...new Set(rows.flatMap((r) => Object.keys(r.inputs)))].sort();
}

export interface RowFilter {
  /** "" for every status. */
  status: string;
  /** An input variable name, or "" for no variable filter. */
  variable: string;
  /** Text the variable's value must contain (case-insensitive). */
  text: string;
}

export const NO_FILTER: RowFilter = { status: "", variable: "", text: "" };

export function filterRows(rows: readonly JobView[], filter: RowFilter): JobView[] {
  const needle = filter.text.trim().toLowerCase();
  return rows.filter((row) => {
    if (filter.status && row.status !== filter.status) return false;
    if (filter.variable && needle) return (row.inputs[filter.variable] ?? "").toLowerCase().includes(needle);
    return true;
  });
}

export interface RowSort {
  key: string;
  descending: boolean;
}

/** Stable; empty cells last whichever the direction. */
export function sortRows(rows: readonly JobView[], columns: readonly Column[], sort: RowSort): JobView[] {
  const column = columns.find((c) => c.key === sort.key);
  if (!column) return [...rows];
  const sign = sort.descending ? -1 : 1;
  return rows
    .map((row, i) => ({ row, i, v: column.value(row) }))
    .sort((a, b) => {
      if (a.v === null || b.v === null) return a.v === b.v ? a.i - b.i : a.v === null ? 1 : -1;
      const order = compare(column.sortAs, a.v, b.v);
      return order === 0 ? a.i - b.i : sign * order;
    })
    .map(({ row }) => row);
}

function compare(sortAs: Column["sortAs"], a: string | number, b: string | number): number {
  if (sortAs === "number") return Number(a) - Number(b);
  if (sortAs === "id") return a < b ? -1 : a > b ? 1 : 0;
  return String(a).localeCompare(String(b), "en", { numeric: true });
}

/** The export's lines (export-format.ts) for the rows given, in their order. */
function exportText(format: ExportFormat, rows: readonly JobView[], columns: readonly Column[], options: ExportOptions = {}): string {
  const keys = columns.map((c) => c.key);
  const lines = rows.map((row) => recordLine(format, keys, Object.fromEntries(columns.map((c) => [c.key, c.value(row)])), options));
  return headerLine(format, keys, options) + lines.join("");
}

/**
 * The header record and one record per row, as `npm run export -- <batch> --format csv` writes them (RFC 4180, CRLF):
 * safe to open in a spreadsheet, or with `raw` every value exact, as `--raw` writes them.
 */
export function rowsToCsv(rows: readonly JobView[], columns: readonly Column[], options: ExportOptions = {}): string {
  return exportText("csv", rows, columns, options);
}

/** One JSON object per row, keyed by the column names, as `npm run export -- <batch> --format jsonl` writes them. */
export function rowsToJsonl(rows: readonly JobView[], columns: readonly Column[]): string {
  return exportText("jsonl", rows, columns);
}
