// The batches view: every batch of the user (every batch, for an admin), live, each with its progress.
import {
  collection,
  count,
  getAggregateFromServer,
  onSnapshot,
  query,
  sum,
  where,
  type Firestore,
  type QueryConstraint,
} from "firebase/firestore";
import { finalCounts, type BatchCounts } from "../batch-counts";
import { fill, h, statusBadge } from "../dom";
import { readBatch, type BatchView } from "../records";
import { batchProgress, progressSummary } from "./batch-progress";
import type { Session } from "./session";

/**
 * How often a running batch's counts are asked for again. They are aggregation queries over its row jobs (the
 * batch document holds no counter; Firestore has no live aggregation): a few index reads each, however many rows.
 */
const POLL_MS = 3000;

/** The view's state and the list drawn from it, handed to each part below. */
interface BatchesPage {
  session: Session;
  list: HTMLElement;
  /** Every batch for an admin, else the user's own, as the rules require. */
  owner: QueryConstraint[];
  shown: BatchView[];
  counts: Map<string, BatchCounts>;
  /** Each batch's progress as last said aloud: a change is said, a batch's first reading is not. */
  said: Map<string, string>;
  /** Counts may arrive after the view is left. */
  stopped: boolean;
}

export function renderBatches(root: HTMLElement, session: Session): () => void {
  const list = h("div", { class: "batch-list", "aria-busy": "true" }, h("p", {}, "Loading batches…"));
  root.append(h("h1", {}, "Batches"), openJobForm(), list);
  const owner = session.admin ? [] : [where("owner_uid", "==", session.uid)];
  const page: BatchesPage = { session, list, owner, shown: [], counts: new Map(), said: new Map(), stopped: false };
  const stop = onSnapshot(
    query(collection(session.backend.db, "batches"), ...owner),
    (snap) => {
      page.shown = snap.docs.map((d) => readBatch(d.id, d.data())).sort((a, b) => (b.createdAtMs ?? 0) - (a.createdAtMs ?? 0));
      renderList(page);
      void refreshCounts(page);
    },
    (error) => fill(list, h("p", { role: "alert", class: "error" }, `Could not read batches: ${error.message}`)),
  );
  const poll = setInterval(() => page.shown.some((b) => b.status === "running") && void refreshCounts(page), POLL_MS);
  return () => {
    page.stopped = true;
    stop();
    clearInterval(poll);
  };
}

function renderList(page: BatchesPage): void {
  const { list, shown, counts } = page;
  list.removeAttribute("aria-busy");
  if (!shown.length) {
    fill(list, h("p", {}, "No batches yet. ", h("a", { href: "#/submit" }, "Submit a batch config"), " to start one."));
    return;
  }
  const now = Date.now();
  fill(
    list,
    shown.map((batch) => batchCard(batch, counts.get(batch.id), now)),
  );
  announceChanges(page);
}

function batchCard(batch: BatchView, counts: BatchCounts | undefined, nowMs: number): HTMLElement {
  return h(
    "article",
    { class: "batch card", "data-batch-id": batch.id, "aria-labelledby": `batch-${batch.id}` },
    h(
      "h2",
      { id: `batch-${batch.id}` },
      h("a", { href: `#/batch/${encodeURIComponent(batch.id)}` }, batch.id),
      " ",
      statusBadge(batch.status),
    ),
    batchProgress(batch, counts, nowMs),
  );
}

function announceChanges(page: BatchesPage): void {
  for (const batch of page.shown) {
    const summary = `${batch.status}: ${progressSummary(batch, page.counts.get(batch.id))}`;
    if (page.said.has(batch.id) && page.said.get(batch.id) !== summary) page.session.announce(`Batch ${batch.id} ${summary}`);
    page.said.set(batch.id, summary);
  }
}

/** An ended batch's counts are final in its document; a running one's are counted again, as is one never counted. */
async function refreshCounts(page: BatchesPage): Promise<void> {
  const { counts } = page;
  await Promise.all(
    page.shown.map(async (batch) => {
      const final = finalCounts(batch);
      if (final) counts.set(batch.id, final);
      else if (batch.status === "running" || !counts.has(batch.id)) {
        const counted = await countRuns(page.session.backend.db, batch.id, page.owner).catch(() => undefined);
        if (counted) counts.set(batch.id, counted);
      }
    }),
  );
  if (!page.stopped) renderList(page);
}

/** A running batch's counts, tokens and cost: aggregation queries over its row jobs (owner-filtered, as the rules require). */
async function countRuns(db: Firestore, batchId: string, owner: QueryConstraint[]): Promise<BatchCounts> {
  const rows = query(collection(db, "jobs"), where("batch_id", "==", batchId), ...owner);
  const byStatus = (status: string) =>
    getAggregateFromServer(query(rows, where("status", "==", status)), { n: count() }).then((s) => s.data().n);
  const [succeeded, failed, cancelled, totals] = await Promise.all([
    byStatus("success"),
    byStatus("failed"),
    byStatus("cancelled"),
    getAggregateFromServer(rows, { tokens: sum("usage.total_tokens"), cost: sum("cost.usd") }).then((s) => s.data()),
  ]);
  return { succeeded, failed, cancelled, tokens: totals.tokens, ...(totals.cost ? { costUsd: totals.cost } : {}) };
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
