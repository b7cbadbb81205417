// A batch's rows as the table and the download show them: the export's columns, filtering, sorting, CSV and JSONL.
import type { JobView } from "./records";

export type Cell = string | number | null;

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

/**
 * The columns of `npm run export` (the batch engine's export-records.ts, batchColumns and runRecord): the run's row,
 * repeat and model, each input variable, each output (a run's outputs only when it succeeded), how it ended, tokens,
 * latency, attempts and the job. Variables are prefixed (a chain often passes an input through to an output of the
 * same name). Variables seen only in the rows (jobs outside the batch's layout) follow the layout's, sorted.
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
  return [
    { key: "row_id", sortAs: "id", value: (r) => r.rowId ?? null },
    { key: "repeat", sortAs: "number", value: (r) => r.repeat ?? null },
    { key: "model", sortAs: "text", value: (r) => r.model ?? null },
    ...inputs.map((name): Column => ({ key: `input.${name}`, sortAs: "text", value: (r) => r.inputs[name] ?? null })),
    ...outputs.map((name): Column => ({
      key: `output.${name}`,
      sortAs: "text",
      value: (r) => (r.status === "success" ? (r.outputs[name] ?? null) : null),
    })),
    { key: "status", sortAs: "text", value: (r) => r.status },
    { key: "error_code", sortAs: "text", value: (r) => r.error?.code ?? null },
    { key: "error_message", sortAs: "text", value: (r) => r.error?.message ?? null },
    { key: "prompt_tokens", sortAs: "number", value: (r) => r.usage?.prompt_tokens ?? null },
    { key: "output_tokens", sortAs: "number", value: (r) => r.usage?.output_tokens ?? null },
    { key: "total_tokens", sortAs: "number", value: (r) => r.usage?.total_tokens ?? null },
    { key: "latency_ms", sortAs: "number", value: (r) => r.latencyMs ?? null },
    { key: "attempts", sortAs: "number", value: (r) => r.runs ?? null },
    { key: "job_id", sortAs: "id", value: (r) => r.id },
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
