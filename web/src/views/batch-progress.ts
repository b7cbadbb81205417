// A batch's progress bar (done, failed, total) and its figures: pace, ETA, tokens and cost.
import { h } from "../dom";
import { batchPace, formatCount, formatDuration, formatRate, formatUsd } from "../format";
import type { BatchView } from "../records";

export function progressSummary(batch: BatchView): string {
  return `${batch.succeeded} done, ${batch.failed} failed, of ${batch.total} rows`;
}

export function batchProgress(batch: BatchView, nowMs: number): HTMLElement {
  const ended = batch.succeeded + batch.failed;
  const total = Math.max(batch.total, ended);
  const share = (n: number) => (total ? `${(100 * n) / total}%` : "0%");
  const pace = batchPace(ended, total, batch.startedAtMs, batch.finishedAtMs ?? nowMs);
  const finished = batch.finishedAtMs !== undefined;
  return h(
    "div",
    { class: "batch-progress" },
    h(
      "div",
      {
        class: "bar",
        role: "progressbar",
        "aria-label": `Progress of batch ${batch.name}`,
        "aria-valuemin": 0,
        "aria-valuemax": total,
        "aria-valuenow": ended,
        "aria-valuetext": progressSummary(batch),
      },
      h("span", { class: "bar-done", style: `width: ${share(batch.succeeded)}` }),
      h("span", { class: "bar-failed", style: `width: ${share(batch.failed)}` }),
    ),
    h(
      "dl",
      { class: "figures" },
      figure("Done", formatCount(batch.succeeded), "done"),
      figure("Failed", formatCount(batch.failed), "failed"),
      figure("Total", formatCount(batch.total), "total"),
      figure("Pace", formatRate(pace.rowsPerMinute), "pace"),
      figure(finished ? "Took" : "ETA", finished ? formatDuration(batch.finishedAtMs! - (batch.startedAtMs ?? batch.finishedAtMs!)) : formatDuration(pace.etaMs), "eta"),
      figure("Tokens", formatCount(batch.usage?.total_tokens), "tokens"),
      figure("Cost", formatUsd(batch.costUsd), "cost"),
    ),
  );
}

function figure(term: string, value: string, key: string): HTMLElement[] {
  return [h("dt", {}, term), h("dd", { "data-figure": key }, value)];
}
