// A batch's rows: its progress, then a table with the export's columns, sortable and filterable by status and by
// any input variable, and a download of exactly the rows shown, as CSV or JSONL.
import { collection, doc, onSnapshot, query, where, type Unsubscribe } from "firebase/firestore";
import { fill, h, statusBadge } from "../dom";
import { countRows } from "../batch-counts";
import { outputRefOf, readBatch, readJob, type JobView } from "../records";
import { createReferencedOutputs } from "../referenced-outputs";
import { inputNames, NO_FILTER, rowsToCsv, rowsToJsonl } from "../rows";
import { batchProgress, progressSummary } from "./batch-progress";
import { renderTable, shownRows, type RowsTable } from "./batch-table";
import { cancelControl, type CancelControl } from "./cancel-control";
import type { Session } from "./session";

const STATUSES = ["queued", "pending", "running", "success", "failed", "cancelled"];

interface FilterControls {
  status: HTMLSelectElement;
  variable: HTMLSelectElement;
  text: HTMLInputElement;
}

/** The view's state and the elements drawn from it, handed to each part below. */
interface BatchPage extends RowsTable {
  session: Session;
  title: HTMLElement;
  cancel: CancelControl;
  progress: HTMLElement;
  filters: FilterControls;
  /** The jobs as last read: the rows are made again from them when a referenced output has been read. */
  jobDocs: { id: string; data: Record<string, unknown> }[];
  /** The progress last said aloud, so that only a change is said. */
  said: string;
  /** Checked: the CSV download holds every value exactly (`npm run export -- --raw`), unprotected for spreadsheets. */
  exactCsv: HTMLInputElement;
}

export function renderBatch(root: HTMLElement, session: Session, batchId: string): () => void {
  const page = createPage(session, batchId);
  root.append(
    h("p", { class: "breadcrumb" }, h("a", { href: "#/batches" }, "Batches"), " / ", batchId),
    page.title,
    page.cancel.el,
    page.progress,
    filterForm(page),
    downloads(page),
    page.unreadOutputs,
    h("div", { class: "table-scroll", role: "region", "aria-labelledby": "rows-caption", tabindex: 0 }, page.table),
  );
  const stopBatch = followBatch(page);
  const stopRows = followRows(page);
  renderTable(page);
  // Between snapshots, the pace and ETA still move.
  const tick = setInterval(() => page.batch?.status === "running" && renderProgress(page), 5000);
  return () => {
    stopBatch();
    stopRows();
    clearInterval(tick);
  };
}

function createPage(session: Session, batchId: string): BatchPage {
  const page: BatchPage = {
    session,
    batchId,
    jobDocs: [],
    rows: [],
    filter: { ...NO_FILTER },
    // Job ids of a batch's runs are its rows in order (zero-padded row and repeat): the export's order.
    sort: { key: "job_id", descending: false },
    said: "",
    referenced: createReferencedOutputs(session.backend.db, () => {
      page.rows = readRows(page);
      renderTable(page);
    }),
    title: h("h1", {}, `Batch ${batchId}`),
    cancel: cancelControl(session, "batch", batchId),
    progress: h("div", { class: "batch-header" }, h("p", {}, "Loading…")),
    filters: filterControls(),
    counter: h("p", { class: "row-count", "aria-live": "polite", id: "row-count" }),
    unreadOutputs: h("div", { class: "unread-outputs" }),
    table: h("table", { class: "rows" }),
    exactCsv: h("input", { type: "checkbox", id: "csv-exact", name: "csv-exact" }),
  };
  return page;
}

function readRows(page: BatchPage): JobView[] {
  return page.jobDocs.map(({ id, data }) => readJob(id, data, page.referenced.get(outputRefOf(data))));
}

function filterControls(): FilterControls {
  return {
    status: h(
      "select",
      { id: "filter-status", name: "status" },
      h("option", { value: "" }, "any status"),
      STATUSES.map((s) => h("option", { value: s }, s)),
    ),
    variable: h("select", { id: "filter-variable", name: "variable" }, h("option", { value: "" }, "no variable")),
    text: h("input", { id: "filter-text", name: "text", type: "search", autocomplete: "off" }),
  };
}

function filterForm(page: BatchPage): HTMLElement {
  const { status, variable, text } = page.filters;
  const onFilter = () => {
    page.filter.status = status.value;
    page.filter.variable = variable.value;
    page.filter.text = text.value;
    renderTable(page);
  };
  status.addEventListener("change", onFilter);
  variable.addEventListener("change", onFilter);
  text.addEventListener("input", onFilter);
  return h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter rows", onsubmit: (e: Event) => e.preventDefault() },
    h("div", {}, h("label", { for: "filter-status" }, "Status"), status),
    h("div", {}, h("label", { for: "filter-variable" }, "Input variable"), variable),
    h("div", {}, h("label", { for: "filter-text" }, "contains"), text),
  );
}

function downloads(page: BatchPage): HTMLElement {
  return h(
    "div",
    { class: "downloads" },
    page.counter,
    h("button", { type: "button", id: "download-csv", onclick: () => download(page, "csv") }, "Download CSV"),
    h("button", { type: "button", id: "download-jsonl", onclick: () => download(page, "jsonl") }, "Download JSONL"),
    h(
      "label",
      { class: "exact-csv", for: "csv-exact" },
      page.exactCsv,
      " Exact CSV values",
      h("span", { class: "hint" }, " (for pandas or R: a value starting with = + - @ is not quoted for spreadsheets)"),
    ),
  );
}

function download(page: BatchPage, format: "csv" | "jsonl"): void {
  const { columns, visible } = shownRows(page);
  // By default a spreadsheet opening the CSV runs no formula from a row's values (export-format.ts); JSONL is exact.
  const text = format === "csv" ? rowsToCsv(visible, columns, { raw: page.exactCsv.checked }) : rowsToJsonl(visible, columns);
  const type = format === "csv" ? "text/csv;charset=utf-8" : "application/x-ndjson;charset=utf-8";
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h("a", { href: url, download: `${page.batchId}.${format}` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The counts come from the rows this view follows anyway: live with every task that ends. */
function renderProgress(page: BatchPage): void {
  const { batch } = page;
  if (!batch) return;
  const counts = countRows(page.rows);
  fill(page.progress, batchProgress(batch, counts, Date.now()));
  const summary = `${batch.status}: ${progressSummary(batch, counts)}`;
  if (summary !== page.said) page.session.announce(summary);
  page.said = summary;
}

/** The variable filter offers the input variables the rows have now, keeping the one chosen while it still exists. */
function renderVariables(page: BatchPage): void {
  const { variable } = page.filters;
  const names = inputNames(page.rows);
  const current = [...variable.options].map((o) => o.value).slice(1);
  if (names.join("\u0000") === current.join("\u0000")) return;
  const selected = variable.value;
  fill(
    variable,
    h("option", { value: "" }, "no variable"),
    names.map((n) => h("option", { value: n }, n)),
  );
  variable.value = names.includes(selected) ? selected : "";
}

function followBatch(page: BatchPage): Unsubscribe {
  const { batchId, progress } = page;
  return onSnapshot(
    doc(page.session.backend.db, "batches", batchId),
    (snap) => {
      if (!snap.exists()) return fill(progress, h("p", { role: "alert" }, `There is no batch ${batchId}.`));
      const batch = readBatch(snap.id, snap.data());
      page.batch = batch;
      page.title.replaceChildren(`Batch ${batch.id} `, statusBadge(batch.status));
      page.cancel.update(batch.ownerUid === page.session.uid && batch.status === "running");
      renderProgress(page);
      renderTable(page);
    },
    (error) => fill(progress, h("p", { role: "alert", class: "error" }, `Could not read batch ${batchId}: ${error.message}`)),
  );
}

/** The batch's row jobs: all of them for an admin, else the user's own, as the rules require. */
function followRows(page: BatchPage): Unsubscribe {
  const { session, batchId } = page;
  const jobs = collection(session.backend.db, "jobs");
  const rowsQuery = session.admin
    ? query(jobs, where("batch_id", "==", batchId))
    : query(jobs, where("batch_id", "==", batchId), where("owner_uid", "==", session.uid));
  return onSnapshot(
    rowsQuery,
    (snap) => {
      page.jobDocs = snap.docs.map((d) => ({ id: d.id, data: d.data() }));
      page.rows = readRows(page);
      page.referenced.request(page.rows.map((row) => row.outputRef));
      renderVariables(page);
      renderTable(page);
      renderProgress(page);
    },
    (error) => fill(page.table, h("caption", { role: "alert", class: "error" }, `Could not read the rows: ${error.message}`)),
  );
}
