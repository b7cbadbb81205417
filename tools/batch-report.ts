// How the batch tools print progress: a one-line bar while a batch runs, and its summary when it ends. Pure.
import type { BatchProgress } from "../shared/batch/batch-progress";
import { formatCost } from "./job-report";

const BAR_WIDTH = 24;

/** Runs ended per minute over a window of (time, done) samples, oldest first; undefined before there is a span. */
export function rowsPerMinute(samples: readonly { at: number; done: number }[]): number | undefined {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (!first || !last || last.at - first.at < 1000) return undefined;
  return ((last.done - first.done) / (last.at - first.at)) * 60_000;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

const thousands = (n: number) => Math.round(n).toLocaleString("en-US");

/** `[#########-------] 150/300 50% | failed 0 | running 2, queued 148 | 118 rows/min | ETA 1m15s | 45,000 tokens, $0.0123` */
export function formatProgressLine(p: BatchProgress, perMinute: number | undefined): string {
  const filled = p.total ? Math.round((p.done / p.total) * BAR_WIDTH) : 0;
  const bar = `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}]`;
  const percent = p.total ? Math.floor((p.done / p.total) * 100) : 0;
  const waiting = p.counts.queued + p.counts.admitted;
  const rate = perMinute === undefined ? "-- rows/min" : `${perMinute.toFixed(perMinute < 10 ? 1 : 0)} rows/min`;
  const left = p.total - p.done;
  const eta = perMinute && left > 0 ? `ETA ${formatDuration((left / perMinute) * 60_000)}` : "ETA --";
  return `${bar} ${p.done}/${p.total} ${percent}% | failed ${p.counts.failed} | running ${p.counts.running}, waiting ${waiting} | ${rate} | ${eta} | ${spend(p)}`;
}

/** `45,000 tokens, $0.0123`, and the steps answered from the response store when there are some. */
function spend(p: BatchProgress): string {
  return `${thousands(p.usage.total_tokens)} tokens, ${formatCost(p.cost)}${cachedSteps(p.cachedSteps)}`;
}

const cachedSteps = (n: number) => (n > 0 ? `, ${thousands(n)} cached step${n === 1 ? "" : "s"}` : "");

/** The end: status, time, counts, tokens and cost, pace, and what to do about failed runs. */
export function formatBatchSummary(p: BatchProgress, failedCodes: Readonly<Record<string, number>> = {}): string {
  const took = p.startedAt !== undefined && p.finishedAt !== undefined ? p.finishedAt - p.startedAt : undefined;
  const pace = took && took > 0 ? `, ${(p.done / (took / 60_000)).toFixed(0)} rows/min` : "";
  const u = p.usage;
  const lines = [
    `Batch ${p.batch.batch_id} ${p.status.toUpperCase()}${took !== undefined ? ` in ${formatDuration(took)}` : ""}: ${p.counts.success}/${p.total} runs succeeded, ` +
      `${p.counts.failed} failed, ${p.counts.cancelled} cancelled${pace}; ${thousands(u.total_tokens)} tokens (${thousands(u.prompt_tokens)} prompt, ${thousands(u.output_tokens)} output), ${formatCost(p.cost)}` +
      // Cached steps made no call: said apart, so that their zero cost is not read as a pricing gap.
      (p.cachedSteps > 0 ? `${cachedSteps(p.cachedSteps)} (answered from the response store, not paid)` : ""),
  ];
  const codes = Object.entries(failedCodes).map(([code, n]) => `${code} ${n}`);
  if (codes.length) lines.push(`  failed runs by error: ${codes.join(", ")}`);
  if (p.counts.failed) lines.push(`  run them again: npm run batch -- retry ${p.batch.batch_id}`);
  lines.push(`  results: npm run export -- ${p.batch.batch_id} --format csv --out ${p.batch.batch_id}.csv`);
  return lines.join("\n");
}
