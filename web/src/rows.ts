// A batch's rows as the table and the download show them: the export's columns, filtering, sorting, CSV and JSONL.
import type { JobView } from "./records";

export type Cell = string | number | null;

export interface Column {
  /** The column's name in the CSV header and the JSONL keys. */
  key: string;
  /** How it sorts: numbers by value, everything else as text. */
  numeric: boolean;
  value: (row: JobView) => Cell;
}

/** The batch's own column order (its document lists its variables and outputs), when it is known. */
export interface ColumnLayout {
  variables: readonly string[];
  outputVariables: readonly string[];
  /** Non-empty when the batch runs each row with several models: a `model` column then. */
  models: readonly string[];
}

/**
 * The export's columns: the run's job, row, repeat (and model), how it ended, each input variable, each output, the
 * error, tokens, cost and latency. Input and output variables are prefixed so that a name used for both stays two
 * columns. Variables seen only in the rows (a job outside the batch's layout) follow the layout's, sorted.
 */
export function exportColumns(rows: readonly JobView[], layout?: ColumnLayout): Column[] {
  const inputs = withSeen(
    layout?.variables ?? [],
    rows.flatMap((r) => Object.keys(r.inputs)),
  );
  const outputs = withSeen(
    layout?.outputVariables ?? [],
    rows.flatMap((r) => Object.keys(r.outputs)),
  );
  const models = Boolean(layout?.models.length) || rows.some((r) => r.model !== undefined);
  return [
    { key: "job_id", numeric: false, value: (r) => r.id },
    { key: "row_index", numeric: true, value: (r) => r.rowIndex ?? null },
    { key: "repeat", numeric: true, value: (r) => r.repeat ?? null },
    ...(models ? [{ key: "model", numeric: false, value: (r: JobView) => r.model ?? null }] : []),
    { key: "status", numeric: false, value: (r) => r.status },
    ...inputs.map((name) => ({ key: `input.${name}`, numeric: false, value: (r: JobView) => r.inputs[name] ?? null })),
    ...outputs.map((name) => ({ key: `output.${name}`, numeric: false, value: (r: JobView) => r.outputs[name] ?? null })),
    { key: "error_code", numeric: false, value: (r) => r.error?.code ?? null },
    { key: "error_message", numeric: false, value: (r) => r.error?.message ?? null },
    { key: "total_tokens", numeric: true, value: (r) => r.usage?.total_tokens ?? null },
    { key: "cost_usd", numeric: true, value: (r) => r.costUsd ?? null },
    { key: "latency_ms", numeric: true, value: (r) => r.latencyMs ?? null },
  ];
}

function withSeen(ordered: readonly string[], seen: readonly string[]): string[] {
  const known = new Set(ordered);
  return [...ordered, ...[...new Set(seen)].filter((name) => !known.has(name)).sort()];
}

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
      const order = column.numeric ? Number(a.v) - Number(b.v) : String(a.v).localeCompare(String(b.v), "en", { numeric: true });
      return order === 0 ? a.i - b.i : sign * order;
    })
    .map(({ row }) => row);
}

/** One CSV field (RFC 4180, as the batch export writes it): quoted when it holds a comma, a quote or a line break; an empty cell is empty. */
export function csvField(value: Cell): string {
  if (value === null) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The header record and one record per row, each CRLF-terminated as RFC 4180 says. */
export function rowsToCsv(rows: readonly JobView[], columns: readonly Column[]): string {
  const lines = [columns.map((c) => csvField(c.key)), ...rows.map((row) => columns.map((c) => csvField(c.value(row))))];
  return lines.map((cells) => `${cells.join(",")}\r\n`).join("");
}

/** One JSON object per row, keyed by the column names, each line ended by "\n". */
export function rowsToJsonl(rows: readonly JobView[], columns: readonly Column[]): string {
  return rows.map((row) => `${JSON.stringify(Object.fromEntries(columns.map((c) => [c.key, c.value(row)])))}\n`).join("");
}
