// The jobs this instance has read while they run, by run. A run's chain and hop limit are fixed when it starts, and
// its next task is usually delivered to the same instance: that task's claim then needs no read of its job. What
// may have changed since is not trusted from here: the finish requires the job unchanged since the commit that
// created the task (claim-task.ts), and a cancel ends a task not yet started (cancel-job.ts).
import type { DocumentData } from "firebase-admin/firestore";

export interface RunningJobs {
  /** The job as last read on run `runId`, or undefined. */
  get(jobId: string, runId: string): DocumentData | undefined;
  /** Keeps a job read while it runs; any other job (ended, or another run) is forgotten. */
  remember(jobId: string, data: DocumentData): void;
}

/** Bounded by the size of the documents held, least recently used first out. */
export function createRunningJobs(maxBytes = 32 * 2 ** 20): RunningJobs {
  const held = new Map<string, { runId: string; data: DocumentData; bytes: number }>();
  let total = 0;
  const forget = (jobId: string) => {
    total -= held.get(jobId)?.bytes ?? 0;
    held.delete(jobId);
  };
  return {
    get(jobId, runId) {
      const entry = held.get(jobId);
      if (!entry || entry.runId !== runId) return undefined;
      held.delete(jobId);
      held.set(jobId, entry);
      return entry.data;
    },
    remember(jobId, data) {
      forget(jobId);
      if (data.status !== "running" || typeof data.run_id !== "string") return;
      const bytes = Buffer.byteLength(JSON.stringify(data), "utf8");
      if (bytes > maxBytes) return;
      held.set(jobId, { runId: data.run_id, data, bytes });
      total += bytes;
      for (const oldest of held.keys()) {
        if (total <= maxBytes) break;
        forget(oldest);
      }
    },
  };
}
