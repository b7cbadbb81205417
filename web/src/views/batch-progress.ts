// A batch's progress bar (done, failed, total) and its figures: pace, ETA, tokens and cost.
import { endedCount, type BatchCounts } from "../batch-counts";
import { h } from "../dom";
import { batchPace, formatCount, formatDuration, formatRate, formatUsd } from "../format";
import type { BatchView } from "../records";

export function progressSummary(batch: BatchView, counts: BatchCounts | undefined): string {
  if (!counts) return `${batch.total} rows, counting…`;
  return `${counts.succeeded} done, ${counts.failed + counts.cancelled} failed, of ${batch.total} rows`;
}

export function batchProgress(batch: BatchView, counts: BatchCounts | undefined, nowMs: number): HTMLElement {
  const c = counts ?? { succeeded: 0, failed: 0, cancelled: 0 };
  const ended = endedCount(c);
  const total = Math.max(batch.total, ended);
  const share = (n: number) => (total ? `${(100 * n) / total}%` : "0%");
  const finished = batch.finishedAtMs !== undefined;
  const pace = batchPace(ended, total, batch.createdAtMs, batch.finishedAtMs ?? nowMs);
  const took = finished && batch.createdAtMs !== undefined ? batch.finishedAtMs! - batch.createdAtMs : undefined;
  return h(
    "div",
    { class: "batch-progress" },
    h(
      "div",
      {
        class: "bar",
        role: "progressbar",
        "aria-label": `Progress of batch ${batch.id}`,
        "aria-valuemin": 0,
        "aria-valuemax": total,
        "aria-valuenow": ended,
        "aria-valuetext": progressSummary(batch, counts),
      },
      h("span", { class: "bar-done", style: `width: ${share(c.succeeded)}` }),
      h("span", { class: "bar-failed", style: `width: ${share(c.failed + c.cancelled)}` }),
    ),
    h(
      "dl",
      { class: "figures" },
      figure("Done", counts ? formatCount(c.succeeded) : "…", "done"),
      figure("Failed", counts ? formatCount(c.failed + c.cancelled) : "…", "failed"),
      figure("Total", formatCount(batch.total), "total"),
      figure("Pace", formatRate(pace.rowsPerMinute), "pace"),
      finished
        ? figure("Took", formatDuration(took), "eta")
        : figure("ETA", pace.etaMs === 0 ? "none left" : formatDuration(pace.etaMs), "eta"),
      figure("Tokens", formatCount(counts?.tokens), "tokens"),
      figure("Cost", formatUsd(counts?.costUsd), "cost"),
    ),
  );
}

/** A term and its value kept together (a div inside a dl), so that the grid never splits them. */
export function figure(term: string, value: string, key: string): HTMLElement {
  return h("div", { class: "figure" }, h("dt", {}, term), h("dd", { "data-figure": key }, value));
}
