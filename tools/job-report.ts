// How the operator tools print a job's progress and its end.
import type { JobEnd, TaskChange, TaskCost, TaskProgress } from "../local/client/watch-job";

const MAX_VALUE_CHARS = 400;

export function formatTaskProgress(jobId: string, task: TaskProgress, change: TaskChange, now = Date.now()): string {
  const head = `[${jobId}] hop ${task.hop} ${task.taskId || "(no task_id)"}`;
  if (change === "started") return `${head}: running (${task.taskDocId})`;
  if (change === "waiting") return `${head}: ${formatWaiting(task, now)}`;
  const tokens = task.totalTokens !== undefined ? `, ${task.totalTokens} tokens${task.cost ? `, ${formatCost(task.cost)}` : ""}` : "";
  const latency = task.latencyMs !== undefined ? ` in ${task.latencyMs} ms` : "";
  const error = task.error
    ? `: ${task.error.code}: ${firstLine(task.error.message)}${task.error.step_id ? ` (step ${JSON.stringify(task.error.step_id)})` : ""}`
    : "";
  return `${head}: ${task.status}${latency}${tokens}${error}`;
}

export function formatJobEnd(end: JobEnd, full = false): string {
  const lines = [
    `[${end.jobId}] ${end.status.toUpperCase()} ${end.runId ? `(${end.runId}) ` : ""}in ${(end.elapsedMs / 1000).toFixed(2)} s: ${end.tasksDone} task${end.tasksDone === 1 ? "" : "s"} succeeded, ` +
      `${end.usage.total_tokens} tokens (${end.usage.prompt_tokens} prompt, ${end.usage.output_tokens} output)${end.cost ? `, ${formatCost(end.cost)}` : ""}`,
  ];
  if (end.error)
    lines.push(
      `  error: ${end.error.code}: ${end.error.message.replace(/\n/g, "\n    ")}${end.error.task_doc_id ? `\n  in tasks/${end.error.task_doc_id}` : ""}`,
    );
  const entries = Object.entries(end.outputPayload);
  if (entries.length) {
    lines.push("  output:");
    for (const [name, value] of entries) lines.push(`    ${name}: ${full ? value : clip(value)}`.replace(/\n/g, "\n      "));
  }
  return lines.join("\n");
}

/**
 * `$0.0000522`, `$1.24`; tokens of models without a price are said, not hidden; calls paid through a vendor's batch
 * API also say what they would have cost synchronously: `$0.62 (synchronously $1.24)`.
 */
export function formatCost(cost: TaskCost): string {
  const standard = cost.standard_usd !== undefined ? ` (synchronously ${formatUsd(cost.standard_usd)})` : "";
  const unpriced = cost.unpriced_tokens > 0 ? ` (+${cost.unpriced_tokens} tokens without a price)` : "";
  return `${formatUsd(cost.usd)}${standard}${unpriced}`;
}

/** `waiting for a vendor batch since 12:01:05 (3m10s), batch_requests/<key>`: parked, not ended (provider batch mode). */
export function formatWaiting(task: TaskProgress, now: number): string {
  const since =
    task.waitingSince !== undefined
      ? ` since ${new Date(task.waitingSince).toISOString().slice(11, 19)} UTC (${formatWait(now - task.waitingSince)})`
      : "";
  return `waiting for a vendor batch${since}${task.waitingFor ? `, batch_requests/${task.waitingFor}` : ""} (${task.taskDocId})`;
}

function formatWait(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60
    ? `${s}s`
    : s < 3600
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`
      : `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, "0")}m`;
}

export function formatUsd(usd: number): string {
  if (usd === 0) return "$0";
  if (usd < 0.000001) return "<$0.000001";
  return `$${usd >= 1 ? usd.toFixed(2) : Number(usd.toPrecision(3)).toString()}`;
}

function clip(value: string): string {
  return value.length <= MAX_VALUE_CHARS ? value : `${value.slice(0, MAX_VALUE_CHARS)}… (${value.length} characters; --full shows all)`;
}

const firstLine = (text: string) => text.split("\n")[0]!;
