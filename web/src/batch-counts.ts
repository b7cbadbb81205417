// How far a batch has got: its runs by status, tokens and cost, from its row jobs while it runs, from final_counts after.
import type { BatchView, JobView } from "./records";

export interface BatchCounts {
  succeeded: number;
  failed: number;
  cancelled: number;
  tokens?: number;
  costUsd?: number;
}

export const endedCount = (c: BatchCounts) => c.succeeded + c.failed + c.cancelled;

/** From the rows themselves (the batch's rows view reads them all anyway). */
export function countRows(rows: readonly JobView[]): BatchCounts {
  const counts: BatchCounts = { succeeded: 0, failed: 0, cancelled: 0, tokens: 0 };
  let cost: number | undefined;
  for (const row of rows) {
    if (row.status === "success") counts.succeeded++;
    else if (row.status === "failed") counts.failed++;
    else if (row.status === "cancelled") counts.cancelled++;
    counts.tokens! += row.usage?.total_tokens ?? 0;
    if (row.costUsd !== undefined) cost = (cost ?? 0) + row.costUsd;
  }
  return cost === undefined ? counts : { ...counts, costUsd: cost };
}

/** The totals an ended batch keeps in its document; undefined while it runs. */
export function finalCounts(batch: BatchView): BatchCounts | undefined {
  const f = batch.finalCounts;
  if (!f) return undefined;
  return {
    succeeded: f.success ?? 0,
    failed: f.failed ?? 0,
    cancelled: f.cancelled ?? 0,
    ...(batch.finalUsage ? { tokens: batch.finalUsage.total_tokens } : {}),
    ...(batch.finalCostUsd !== undefined ? { costUsd: batch.finalCostUsd } : {}),
  };
}
