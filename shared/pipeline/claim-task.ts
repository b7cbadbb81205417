// Claim before work: moves a task from queued to running in a transaction, so a second delivery does nothing.
import { Timestamp, type Transaction } from "firebase-admin/firestore";
import type { ConfigIssue } from "../config/config-issue";
import type { TaskConfig } from "../config/config-schemas";
import { parseConfig } from "../config/validate-config";
import type { PipelineDeps } from "./pipeline-deps";
import { splitTaskDocument, type TaskEnvelope } from "./task-document";

export type Claim =
  | { kind: "claimed"; envelope: TaskEnvelope; attempt: number; config: TaskConfig; libraryNext?: TaskConfig }
  | { kind: "invalid"; envelope: TaskEnvelope; attempt: number; issues: ConfigIssue[] }
  | { kind: "exhausted"; envelope: TaskEnvelope; attempt: number }
  | { kind: "skipped"; reason: string };

export async function claimTask(deps: PipelineDeps, taskDocId: string): Promise<Claim> {
  const ref = deps.db.collection("tasks").doc(taskDocId);
  const now = (deps.now ?? Date.now)();
  return deps.db.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (!snap.exists) return { kind: "skipped", reason: "the task document no longer exists" };
    const { envelope, config, issues: envelopeIssues } = splitTaskDocument(snap.data()!);
    if (envelope.status === "success" || envelope.status === "failed") return { kind: "skipped", reason: `already ${envelope.status}` };
    const leaseEnd = envelope.lease_expires_at?.toMillis() ?? 0;
    if (envelope.status === "running" && leaseEnd > now) {
      return { kind: "skipped", reason: `running under attempt ${envelope.attempts} until ${new Date(leaseEnd).toISOString()}` };
    }
    const attempt = envelope.attempts + 1;
    const claimed: Record<string, unknown> = {
      status: "running",
      attempts: attempt,
      lease_expires_at: Timestamp.fromMillis(now + deps.policy.leaseMs),
    };
    if (!envelope.started_at) claimed.started_at = Timestamp.fromMillis(now);
    if (attempt > deps.policy.maxAttempts) {
      tx.update(ref, claimed);
      return { kind: "exhausted", envelope, attempt };
    }
    const parsed = parseConfig("task", config, deps.validation);
    const issues = [...envelopeIssues, ...(parsed.ok ? [] : parsed.issues)];
    if (!parsed.ok || issues.length) {
      tx.update(ref, claimed);
      return { kind: "invalid", envelope, attempt, issues };
    }
    // A bare task's successor comes from the library; check it exists now, so a dangling link fails before any work.
    let libraryNext: TaskConfig | undefined;
    if (!envelope.job_id && parsed.value.next_task) {
      const found = await readLibraryTask(tx, deps, parsed.value.next_task);
      if (!found.ok) {
        tx.update(ref, claimed);
        return { kind: "invalid", envelope, attempt, issues: found.issues };
      }
      libraryNext = found.value;
    }
    tx.update(ref, claimed);
    return { kind: "claimed", envelope, attempt, config: parsed.value, ...(libraryNext ? { libraryNext } : {}) };
  });
}

async function readLibraryTask(
  tx: Transaction,
  deps: PipelineDeps,
  taskId: string,
): Promise<{ ok: true; value: TaskConfig } | { ok: false; issues: ConfigIssue[] }> {
  const snap = await tx.get(deps.db.collection("task_configs").doc(taskId));
  if (!snap.exists) return { ok: false, issues: [{ path: "next_task", message: `next_task ${JSON.stringify(taskId)} names no document in task_configs/` }] };
  const parsed = parseConfig("task", snap.data(), deps.validation);
  if (!parsed.ok) return { ok: false, issues: parsed.issues.map((i) => ({ path: `task_configs/${taskId}${i.path ? `.${i.path}` : ""}`, message: i.message })) };
  return parsed;
}
