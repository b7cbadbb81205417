// A batch's rows: its progress, then a table with the export's columns, sortable and filterable by status and by
// any input variable, and a download of exactly the rows shown, as CSV or JSONL.
import { collection, doc, onSnapshot, query, where } from "firebase/firestore";
import { fill, h, statusBadge } from "../dom";
import { countRows } from "../batch-counts";
import { outputRefOf, readBatch, readJob, type BatchView, type JobView } from "../records";
import { createReferencedOutputs } from "../referenced-outputs";
import { exportColumns, filterRows, inputNames, NO_FILTER, rowsToCsv, rowsToJsonl, sortRows, type RowFilter, type RowSort } from "../rows";
import { batchProgress, progressSummary } from "./batch-progress";
import type { Session } from "./session";

const text = (value: string | number | null) => (value === null ? "" : String(value));
const STATUSES = ["queued", "pending", "running", "success", "failed", "cancelled"];
/** Longer cells are cut in the table (the job's page and the download have them whole). */
const CELL_CHARS = 160;

export function renderBatch(root: HTMLElement, session: Session, batchId: string): () => void {
  const { db } = session.backend;
  const title = h("h1", {}, `Batch ${batchId}`);
  const progress = h("div", { class: "batch-header" }, h("p", {}, "Loading…"));
  const filter: RowFilter = { ...NO_FILTER };
  // Job ids of a batch's runs are its rows in order (zero-padded row and repeat): the export's order.
  const sort: RowSort = { key: "job_id", descending: false };
  let rows: JobView[] = [];
  let batch: BatchView | undefined;
  /** The jobs as last read: the rows are made again from them when a referenced output has been read. */
  let jobDocs: { id: string; data: Record<string, unknown> }[] = [];
  const readRows = () => jobDocs.map(({ id, data }) => readJob(id, data, referenced.get(outputRefOf(data))));
  const referenced = createReferencedOutputs(db, () => {
    rows = readRows();
    renderTable();
  });
  const unreadOutputs = h("div", { class: "unread-outputs" });

  const statusSelect = h(
    "select",
    { id: "filter-status", name: "status" },
    h("option", { value: "" }, "any status"),
    STATUSES.map((s) => h("option", { value: s }, s)),
  );
  const variableSelect = h("select", { id: "filter-variable", name: "variable" }, h("option", { value: "" }, "no variable"));
  const textInput = h("input", { id: "filter-text", name: "text", type: "search", autocomplete: "off" });
  const counter = h("p", { class: "row-count", "aria-live": "polite", id: "row-count" });
  const table = h("table", { class: "rows" });
  const csvButton = h("button", { type: "button", id: "download-csv", onclick: () => download("csv") }, "Download CSV");
  const jsonlButton = h("button", { type: "button", id: "download-jsonl", onclick: () => download("jsonl") }, "Download JSONL");

  const onFilter = () => {
    filter.status = statusSelect.value;
    filter.variable = variableSelect.value;
    filter.text = textInput.value;
    renderTable();
  };
  statusSelect.addEventListener("change", onFilter);
  variableSelect.addEventListener("change", onFilter);
  textInput.addEventListener("input", onFilter);

  root.append(
    h("p", { class: "breadcrumb" }, h("a", { href: "#/batches" }, "Batches"), " / ", batchId),
    title,
    progress,
    h(
      "form",
      { class: "filters", role: "search", "aria-label": "Filter rows", onsubmit: (e: Event) => e.preventDefault() },
      h("div", {}, h("label", { for: "filter-status" }, "Status"), statusSelect),
      h("div", {}, h("label", { for: "filter-variable" }, "Input variable"), variableSelect),
      h("div", {}, h("label", { for: "filter-text" }, "contains"), textInput),
    ),
    h("div", { class: "downloads" }, counter, csvButton, jsonlButton),
    unreadOutputs,
    h("div", { class: "table-scroll", role: "region", "aria-labelledby": "rows-caption", tabindex: 0 }, table),
  );

  /** The rows as filtered and sorted now, with the columns of all the batch's rows (so a filter never drops a column). */
  function shown() {
    const columns = exportColumns(rows, batch);
    return { columns, visible: sortRows(filterRows(rows, filter), columns, sort) };
  }

  function renderTable() {
    const { columns, visible } = shown();
    counter.textContent = `Showing ${visible.length} of ${rows.length} rows`;
    const failures = rows.map((row) => referenced.failure(row.outputRef)).filter((f): f is string => f !== undefined);
    fill(unreadOutputs, ...failures.map((failure) => h("p", { role: "alert", class: "error" }, failure)));
    const head = h(
      "tr",
      {},
      columns.map((column) => {
        const active = sort.key === column.key;
        return h(
          "th",
          { scope: "col", "aria-sort": active ? (sort.descending ? "descending" : "ascending") : "none" },
          h(
            "button",
            {
              type: "button",
              class: "sort",
              "data-column": column.key,
              onclick: () => {
                sort.descending = active ? !sort.descending : false;
                sort.key = column.key;
                renderTable();
                table.querySelector<HTMLButtonElement>(`button[data-column="${CSS.escape(column.key)}"]`)?.focus();
              },
            },
            column.key,
            h("span", { "aria-hidden": "true" }, active ? (sort.descending ? " ▼" : " ▲") : ""),
          ),
        );
      }),
    );
    const body = visible.map((row) =>
      h(
        "tr",
        { "data-job-id": row.id },
        columns.map((column) => {
          const value = column.value(row);
          if (column.key === "row_id") return h("th", { scope: "row" }, text(value));
          if (column.key === "job_id") return h("td", {}, h("a", { href: `#/job/${encodeURIComponent(row.id)}` }, row.id));
          if (column.key === "status") return h("td", {}, statusBadge(row.status));
          const shown = text(value);
          return h(
            "td",
            shown.length > CELL_CHARS ? { title: shown } : {},
            shown.length > CELL_CHARS ? `${shown.slice(0, CELL_CHARS)}…` : shown,
          );
        }),
      ),
    );
    fill(
      table,
      h(
        "caption",
        { id: "rows-caption" },
        `Rows of batch ${batchId}, sorted by ${sort.key} ${sort.descending ? "descending" : "ascending"}`,
      ),
      h("thead", {}, head),
      h("tbody", {}, body),
    );
  }

  /** The counts come from the rows this view follows anyway: live with every task that ends. */
  let said = "";
  function renderProgress() {
    if (!batch) return;
    const counts = countRows(rows);
    fill(progress, batchProgress(batch, counts, Date.now()));
    const summary = `${batch.status}: ${progressSummary(batch, counts)}`;
    if (summary !== said) session.announce(summary);
    said = summary;
  }

  function renderVariables() {
    const names = inputNames(rows);
    const current = [...variableSelect.options].map((o) => o.value).slice(1);
    if (names.join("\u0000") === current.join("\u0000")) return;
    const selected = variableSelect.value;
    fill(
      variableSelect,
      h("option", { value: "" }, "no variable"),
      names.map((n) => h("option", { value: n }, n)),
    );
    variableSelect.value = names.includes(selected) ? selected : "";
  }

  function download(format: "csv" | "jsonl") {
    const { columns, visible } = shown();
    const text = format === "csv" ? rowsToCsv(visible, columns) : rowsToJsonl(visible, columns);
    const type = format === "csv" ? "text/csv;charset=utf-8" : "application/x-ndjson;charset=utf-8";
    const url = URL.createObjectURL(new Blob([text], { type }));
    const link = h("a", { href: url, download: `${batchId}.${format}` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  const stopBatch = onSnapshot(
    doc(db, "batches", batchId),
    (snap) => {
      if (!snap.exists()) return fill(progress, h("p", { role: "alert" }, `There is no batch ${batchId}.`));
      batch = readBatch(snap.id, snap.data());
      title.replaceChildren(`Batch ${batch.id} `, statusBadge(batch.status));
      renderProgress();
      renderTable();
    },
    (error) => fill(progress, h("p", { role: "alert", class: "error" }, `Could not read batch ${batchId}: ${error.message}`)),
  );
  const jobs = collection(db, "jobs");
  const rowsQuery = session.admin
    ? query(jobs, where("batch_id", "==", batchId))
    : query(jobs, where("batch_id", "==", batchId), where("owner_uid", "==", session.uid));
  const stopRows = onSnapshot(
    rowsQuery,
    (snap) => {
      jobDocs = snap.docs.map((d) => ({ id: d.id, data: d.data() }));
      rows = readRows();
      referenced.request(rows.map((row) => row.outputRef));
      renderVariables();
      renderTable();
      renderProgress();
    },
    (error) => fill(table, h("caption", { role: "alert", class: "error" }, `Could not read the rows: ${error.message}`)),
  );
  renderTable();
  // Between snapshots, the pace and ETA still move.
  const tick = setInterval(() => batch?.status === "running" && renderProgress(), 5000);
  return () => {
    stopBatch();
    stopRows();
    clearInterval(tick);
  };
}
