// The rows a job's run logged (firestore_log), named by its steps' records: each read once, with the signed-in user's
// own permissions, which let the job's owner read the rows their job wrote (firestore.rules) and admins every row.
import { doc, getDoc, type Firestore } from "firebase/firestore";
import { fill, h } from "../dom";
import type { OutputView, TaskView } from "../records";

export interface LoggedRows {
  /** The section: empty, and hidden, until a step of the run has logged a row. */
  el: HTMLElement;
  /** Draws the rows the outputs name, in chain order, reading those not asked for yet. */
  render(tasks: readonly TaskView[], outputs: ReadonlyMap<string, OutputView>): void;
  /** Forgets what was drawn (the job moved on to another run); rows read stay read. */
  clear(): void;
}

interface LoggedRow {
  path: string;
  collection: string;
  documentId: string;
  taskId: string;
  hop: number;
  stepId: string;
}

type Read =
  { state: "loading" } | { state: "read"; data: Record<string, unknown> } | { state: "missing" } | { state: "failed"; message: string };

export function createLoggedRows(db: Firestore): LoggedRows {
  const el = h("section", { class: "logged-rows", "aria-labelledby": "logged-rows-title", hidden: true });
  const read = new Map<string, Read>();
  let shown: LoggedRow[] = [];
  const draw = () => drawRows(el, shown, read);
  const ask = (row: LoggedRow) => {
    if (read.has(row.path)) return;
    read.set(row.path, { state: "loading" });
    getDoc(doc(db, row.collection, row.documentId))
      .then(
        (snap) => read.set(row.path, snap.exists() ? { state: "read", data: snap.data() } : { state: "missing" }),
        (error: Error) => read.set(row.path, { state: "failed", message: `Could not read ${row.path}: ${error.message}` }),
      )
      .finally(draw);
  };
  return {
    el,
    render(tasks, outputs) {
      shown = rowsOf(tasks, outputs);
      shown.forEach(ask);
      draw();
    },
    clear() {
      shown = [];
      draw();
    },
  };
}

/** One entry per step record that names a written document, in chain and step order. */
function rowsOf(tasks: readonly TaskView[], outputs: ReadonlyMap<string, OutputView>): LoggedRow[] {
  return [...tasks]
    .sort((a, b) => a.hop - b.hop)
    .flatMap((task) =>
      (outputs.get(task.docId)?.steps ?? []).flatMap((step) =>
        step.loggedRow
          ? [
              {
                ...step.loggedRow,
                path: `${step.loggedRow.collection}/${step.loggedRow.documentId}`,
                taskId: task.taskId,
                hop: task.hop,
                stepId: step.stepId,
              },
            ]
          : [],
      ),
    );
}

function drawRows(el: HTMLElement, rows: readonly LoggedRow[], read: ReadonlyMap<string, Read>): void {
  el.hidden = rows.length === 0;
  fill(
    el,
    h("h2", { id: "logged-rows-title" }, "Rows logged"),
    h("p", { class: "hint" }, "The documents this run's firestore_log steps wrote, as Firestore holds them now."),
    rows.map((row) => rowCard(row, read.get(row.path))),
  );
}

function rowCard(row: LoggedRow, read: Read | undefined): HTMLElement {
  return h(
    "div",
    { class: "logged-row card", "data-row": row.path },
    h("h3", {}, h("code", {}, row.path)),
    h("p", { class: "hint" }, `Written by step ${row.stepId} of hop ${row.hop}: ${row.taskId}`),
    rowBody(read ?? { state: "loading" }),
  );
}

function rowBody(read: Read): HTMLElement {
  switch (read.state) {
    case "loading":
      return h("p", { class: "hint" }, "Loading…");
    case "missing":
      return h("p", { class: "hint" }, "This document no longer exists.");
    case "failed":
      return h("p", { role: "alert", class: "error" }, read.message);
    case "read":
      return h("pre", {}, JSON.stringify(read.data, null, 2));
  }
}
