// The batches view: every batch of the user (every batch, for an admin), live, each with its progress.
import { collection, onSnapshot, query, where } from "firebase/firestore";
import { fill, h, statusBadge } from "../dom";
import { readBatch, type BatchView } from "../records";
import { batchProgress, progressSummary } from "./batch-progress";
import type { Session } from "./session";

/** How often the pace and ETA are worked out again between snapshots. */
const TICK_MS = 5000;

export function renderBatches(root: HTMLElement, session: Session): () => void {
  const list = h("div", { class: "batch-list", "aria-busy": "true" }, h("p", {}, "Loading batches…"));
  root.append(h("h1", {}, "Batches"), openJobForm(), list);
  const { db } = session.backend;
  const batches = collection(db, "batches");
  let shown: BatchView[] = [];
  const said = new Map<string, string>();
  const render = () => {
    list.removeAttribute("aria-busy");
    if (!shown.length) {
      fill(list, h("p", {}, "No batches yet. ", h("a", { href: "#/submit" }, "Submit a batch config"), " to start one."));
      return;
    }
    const now = Date.now();
    fill(
      list,
      shown.map((batch) =>
        h(
          "article",
          { class: "batch card", "data-batch-id": batch.id, "aria-labelledby": `batch-${batch.id}` },
          h("h2", { id: `batch-${batch.id}` }, h("a", { href: `#/batch/${encodeURIComponent(batch.id)}` }, batch.name), " ", statusBadge(batch.status)),
          batchProgress(batch, now),
        ),
      ),
    );
  };
  const stop = onSnapshot(
    session.admin ? batches : query(batches, where("owner_uid", "==", session.uid)),
    (snap) => {
      shown = snap.docs.map((d) => readBatch(d.id, d.data())).sort((a, b) => (b.createdAtMs ?? 0) - (a.createdAtMs ?? 0));
      for (const batch of shown) {
        const summary = `${batch.status}: ${progressSummary(batch)}`;
        if (said.has(batch.id) && said.get(batch.id) !== summary) session.announce(`Batch ${batch.name} ${summary}`);
        said.set(batch.id, summary);
      }
      render();
    },
    (error) => fill(list, h("p", { role: "alert", class: "error" }, `Could not read batches: ${error.message}`)),
  );
  const tick = setInterval(() => shown.some((b) => b.finishedAtMs === undefined) && render(), TICK_MS);
  return () => {
    stop();
    clearInterval(tick);
  };
}

/** Any job the user may read, by id: jobs outside batches have no list of their own. */
function openJobForm(): HTMLElement {
  const input = h("input", { id: "open-job-id", name: "job", required: true, autocomplete: "off" });
  return h(
    "form",
    {
      class: "inline-form",
      onsubmit: (event: Event) => {
        event.preventDefault();
        location.hash = `#/job/${encodeURIComponent(input.value.trim())}`;
      },
    },
    h("label", { for: "open-job-id" }, "Open a job by id"),
    input,
    h("button", { type: "submit" }, "Open"),
  );
}
