// Claim before work: moves a task from queued to running in a transaction, so a second delivery does nothing.
import { randomUUID } from "node:crypto";
import { Timestamp, type Transaction } from "firebase-admin/firestore";
import type { ConfigIssue } from "../config/config-issue";
import type { TaskConfig } from "../config/config-schemas";
import { parseConfig } from "../config/validate-config";
import type { PipelineDeps } from "./pipeline-deps";
import { splitTaskDocument, type TaskEnvelope } from "./task-document";

export type Claim =
  | { kind: "claimed"; envelope: TaskEnvelope; attempt: number; claimId: string; config: TaskConfig; libraryNext?: TaskConfig }
  | { kind: "invalid"; envelope: TaskEnvelope; attempt: number; claimId: string; issues: ConfigIssue[]; code?: "invalid_config" | "hop_limit" }
  | { kind: "exhausted"; envelope: TaskEnvelope; attempt: number; claimId: string }
  | { kind: "skipped"; reason: string };

export async function claimTask(deps: PipelineDeps, taskDocId: string): Promise<Claim> {
  const ref = deps.db.collection("tasks").doc(taskDocId);
  const now = (deps.now ?? Date.now)();
  // Made once per delivery, outside the transaction: when a commit is applied but answered with an error, the
  // client runs the transaction again, and this id tells that the claim it then finds is its own.
  const claimId = randomUUID();
  let claimedByUs: Claim | undefined;
  return deps.db.runTransaction(async (tx): Promise<Claim> => {
    const snap = await tx.get(ref);
    if (!snap.exists) return { kind: "skipped", reason: "the task document no longer exists" };
    const { envelope, config, issues: envelopeIssues } = splitTaskDocument(snap.data()!);
    if (envelope.status === "running" && envelope.claim_id === claimId && claimedByUs) return claimedByUs;
    if (envelope.status === "success" || envelope.status === "failed") return { kind: "skipped", reason: `already ${envelope.status}` };
    const leaseEnd = envelope.lease_expires_at?.toMillis() ?? 0;
    if (envelope.status === "running" && leaseEnd > now) {
      return { kind: "skipped", reason: `running under attempt ${envelope.attempts} until ${new Date(leaseEnd).toISOString()}` };
    }
    const attempt = envelope.attempts + 1;
    const claimed: Record<string, unknown> = {
      status: "running",
      claim_id: claimId,
      attempts: attempt,
      lease_expires_at: Timestamp.fromMillis(now + deps.policy.leaseMs),
    };
    if (!envelope.started_at) claimed.started_at = Timestamp.fromMillis(now);
    const remember = (claim: Claim): Claim => (claimedByUs = claim);
    if (attempt > deps.policy.maxAttempts) {
      tx.update(ref, claimed);
      return remember({ kind: "exhausted", envelope, attempt, claimId });
    }
    const parsed = parseConfig("task", config, deps.validation);
    const issues = [...envelopeIssues, ...(parsed.ok ? [] : parsed.issues)];
    if (!parsed.ok || issues.length) {
      tx.update(ref, claimed);
      return remember({ kind: "invalid", envelope, attempt, claimId, issues });
    }
    const task = parsed.value;
    const fail = (issue: ConfigIssue, code: "invalid_config" | "hop_limit" = "invalid_config") => {
      tx.update(ref, claimed);
      return remember({ kind: "invalid" as const, envelope, attempt, claimId, issues: [issue], code });
    };
    // A chain stops at its limit before doing work it could not hand on.
    const maxHops = envelope.job_id ? undefined : deps.policy.maxHops;
    if (task.next_task && maxHops !== undefined && envelope.hop + 1 > maxHops) {
      return fail({ path: "next_task", message: `the chain reached its hop limit (${maxHops} tasks); next_task ${JSON.stringify(task.next_task)} would be task ${envelope.hop + 1}` }, "hop_limit");
    }
    // A bare task's successor comes from the library. The entry task follows the whole library chain, so a
    // dangling link or a cycle fails before any work; later tasks only need their own link.
    let libraryNext: TaskConfig | undefined;
    if (!envelope.job_id && task.next_task) {
      const seen = [task.task_id];
      let link: TaskConfig = task;
      let path = "next_task";
      while (link.next_task) {
        if (seen.includes(link.next_task)) {
          return fail({ path, message: `the chain has a cycle: ${[...seen, link.next_task].map((id) => JSON.stringify(id)).join(" -> ")}` });
        }
        const found = await readLibraryTask(tx, deps, link.next_task);
        if (!found.ok) return fail(found.issues[0]!);
        seen.push(link.next_task);
        link = found.value;
        libraryNext ??= link;
        path = `task_configs/${link.task_id}.next_task`;
        if (envelope.hop > 1 || seen.length > deps.policy.maxHops) break;
      }
    }
    tx.update(ref, claimed);
    return remember({ kind: "claimed", envelope, attempt, claimId, config: task, ...(libraryNext ? { libraryNext } : {}) });
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
