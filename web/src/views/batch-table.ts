// A batch's rows as a table: the export's columns, a sort button in each column's header, long cells cut; above it,
// how many rows are shown and which referenced outputs could not be read.
import { fill, h, statusBadge } from "../dom";
import type { BatchView, JobView } from "../records";
import type { ReferencedOutputs } from "../referenced-outputs";
import { exportColumns, filterRows, sortRows, type Column, type RowFilter, type RowSort } from "../rows";

const text = (value: string | number | null) => (value === null ? "" : String(value));
/** Longer cells are cut in the table (the job's page and the download have them whole). */
const CELL_CHARS = 160;

/** What the table is drawn from, and the elements it draws into. */
export interface RowsTable {
  batchId: string;
  batch?: BatchView;
  rows: JobView[];
  filter: RowFilter;
  /** Changed in place by the sort buttons. */
  sort: RowSort;
  referenced: ReferencedOutputs;
  counter: HTMLElement;
  unreadOutputs: HTMLElement;
  table: HTMLTableElement;
}

/** The rows as filtered and sorted now, with the columns of all the batch's rows (so a filter never drops a column). */
export function shownRows(view: RowsTable): { columns: Column[]; visible: JobView[] } {
  const columns = exportColumns(view.rows, view.batch);
  return { columns, visible: sortRows(filterRows(view.rows, view.filter), columns, view.sort) };
}

export function renderTable(view: RowsTable): void {
  const { columns, visible } = shownRows(view);
  view.counter.textContent = `Showing ${visible.length} of ${view.rows.length} rows`;
  renderUnreadOutputs(view);
  const head = h(
    "tr",
    {},
    columns.map((column) => sortHeader(view, column)),
  );
  const body = visible.map((row) =>
    h(
      "tr",
      { "data-job-id": row.id },
      columns.map((column) => rowCell(row, column)),
    ),
  );
  fill(view.table, tableCaption(view.batchId, view.sort), h("thead", {}, head), h("tbody", {}, body));
}

function renderUnreadOutputs(view: RowsTable): void {
  const failures = view.rows.map((row) => view.referenced.failure(row.outputRef)).filter((f): f is string => f !== undefined);
  fill(view.unreadOutputs, ...failures.map((failure) => h("p", { role: "alert", class: "error" }, failure)));
}

function tableCaption(batchId: string, sort: RowSort): HTMLElement {
  return h(
    "caption",
    { id: "rows-caption" },
    `Rows of batch ${batchId}, sorted by ${sort.key} ${sort.descending ? "descending" : "ascending"}`,
  );
}

/** A column's header: its button sorts by it, ascending first, then the other way at each press. */
function sortHeader(view: RowsTable, column: Column): HTMLElement {
  const { sort } = view;
  const active = sort.key === column.key;
  const onclick = () => {
    sort.descending = active ? !sort.descending : false;
    sort.key = column.key;
    renderTable(view);
    // The table was drawn anew: the focus goes back to the button just pressed, so that a keyboard user stays there.
    view.table.querySelector<HTMLButtonElement>(`button[data-column="${CSS.escape(column.key)}"]`)?.focus();
  };
  return h(
    "th",
    { scope: "col", "aria-sort": active ? (sort.descending ? "descending" : "ascending") : "none" },
    h(
      "button",
      { type: "button", class: "sort", "data-column": column.key, onclick },
      column.key,
      h("span", { "aria-hidden": "true" }, active ? (sort.descending ? " ▼" : " ▲") : ""),
    ),
  );
}

function rowCell(row: JobView, column: Column): HTMLElement {
  const value = column.value(row);
  if (column.key === "row_id") return h("th", { scope: "row" }, text(value));
  if (column.key === "job_id") return h("td", {}, h("a", { href: `#/job/${encodeURIComponent(row.id)}` }, row.id));
  if (column.key === "status") return h("td", {}, statusBadge(row.status));
  const shown = text(value);
  return h("td", shown.length > CELL_CHARS ? { title: shown } : {}, shown.length > CELL_CHARS ? `${shown.slice(0, CELL_CHARS)}…` : shown);
}
