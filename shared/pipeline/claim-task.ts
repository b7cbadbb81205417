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

/**
 * `claimId` is made once per delivery, outside the transaction: when a commit is applied but answered with an
 * error, the transaction (or the fast claim before it) is run again, and the id tells that the claim then
 * found is this delivery's own.
 */
export async function claimTask(deps: PipelineDeps, taskDocId: string, claimId: string = randomUUID()): Promise<Claim> {
  const ref = deps.db.collection("tasks").doc(taskDocId);
  const now = (deps.now ?? Date.now)();
  return deps.db.runTransaction(async (tx): Promise<Claim> => {
    const snap = await tx.get(ref);
    if (!snap.exists) return { kind: "skipped", reason: "the task document no longer exists" };
    const { envelope, config, issues: envelopeIssues } = splitTaskDocument(snap.data()!);
    const ours = envelope.status === "running" && envelope.claim_id === claimId;
    if (!ours) {
      if (envelope.status === "success" || envelope.status === "failed") return { kind: "skipped", reason: `already ${envelope.status}` };
      const leaseEnd = liveLeaseEnd(envelope, now);
      if (leaseEnd) return { kind: "skipped", reason: `running under attempt ${envelope.attempts} until ${new Date(leaseEnd).toISOString()}` };
    }
    const attempt = ours ? envelope.attempts : envelope.attempts + 1;
    const claimed = claimFields(deps, claimId, attempt, now, !envelope.started_at);
    const claimWrite = () => ours || tx.update(ref, claimed);
    if (attempt > deps.policy.maxAttempts) {
      claimWrite();
      return { kind: "exhausted", envelope, attempt, claimId };
    }
    const parsed = parseConfig("task", config, deps.validation);
    const issues = [...envelopeIssues, ...(parsed.ok ? [] : parsed.issues)];
    if (!parsed.ok || issues.length) {
      claimWrite();
      return { kind: "invalid", envelope, attempt, claimId, issues };
    }
    const task = parsed.value;
    const fail = (issue: ConfigIssue | ConfigIssue[], code: "invalid_config" | "hop_limit" = "invalid_config") => {
      claimWrite();
      return { kind: "invalid" as const, envelope, attempt, claimId, issues: Array.isArray(issue) ? issue : [issue], code };
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
        if (!found.ok) return fail(found.issues);
        seen.push(link.next_task);
        link = found.value;
        libraryNext ??= link;
        path = `task_configs/${link.task_id}.next_task`;
        if (envelope.hop > 1 || seen.length > deps.policy.maxHops) break;
      }
    }
    claimWrite();
    return { kind: "claimed", envelope, attempt, claimId, config: task, ...(libraryNext ? { libraryNext } : {}) };
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

/** When a running task's claim ends, if it still holds at `now`: another run owns the task until then. */
function liveLeaseEnd(envelope: TaskEnvelope, now: number): number | undefined {
  const leaseEnd = envelope.lease_expires_at?.toMillis() ?? 0;
  return envelope.status === "running" && leaseEnd > now ? leaseEnd : undefined;
}

/**
 * Decided from the created-event alone, no read: a successor created claimed by its predecessor's invocation,
 * which runs it. This delivery is only the backstop, needed once that claim's lease has run out (then the
 * claim transaction takes the task over). Returns why the delivery does nothing, or undefined.
 */
export function heldSinceCreation(deps: PipelineDeps, event: CreatedDocument): string | undefined {
  const { envelope } = splitTaskDocument(event.data);
  const leaseEnd = liveLeaseEnd(envelope, (deps.now ?? Date.now)());
  if (!leaseEnd) return undefined;
  const by = envelope.previous_task_doc_id ? `the invocation that ran tasks/${envelope.previous_task_doc_id}` : "another invocation";
  return `created already claimed: ${by} runs it (lease until ${new Date(leaseEnd).toISOString()})`;
}

/** What a claim writes on the task, by any path (a successor created already claimed carries the same). */
export function claimFields(deps: PipelineDeps, claimId: string, attempt: number, now: number, firstStart: boolean): Record<string, unknown> {
  return {
    status: "running",
    claim_id: claimId,
    attempts: attempt,
    lease_expires_at: Timestamp.fromMillis(now + deps.policy.leaseMs),
    ...(firstStart ? { started_at: Timestamp.fromMillis(now) } : {}),
  };
}

/** A created-event's document as the trigger saw it. */
export interface CreatedDocument {
  data: Record<string, unknown>;
  updateTime: Timestamp;
}

export interface FastClaim {
  claim: Extract<Claim, { kind: "claimed" }>;
  /** When the claim was written: the finish's batch requires the task unchanged since. */
  taskWriteTime: Timestamp;
  job?: { data: Record<string, unknown>; updateTime: Timestamp };
}

/**
 * The common case in one write and no read of the task: a valid task just created, claimed by an update that
 * requires the document unchanged since the event (its update time). The job document is read meanwhile, for
 * the finish. Anything else (a redelivery, an invalid document, a bare task whose successor is in the library)
 * returns undefined, and the transactional claim decides with the same claim id.
 */
export async function claimFromEvent(deps: PipelineDeps, taskDocId: string, event: CreatedDocument, claimId: string): Promise<FastClaim | undefined> {
  const { envelope, config, issues } = splitTaskDocument(event.data);
  if (issues.length || envelope.status !== "queued" || envelope.attempts !== 0) return undefined;
  const parsed = parseConfig("task", config, deps.validation);
  if (!parsed.ok || (!envelope.job_id && parsed.value.next_task)) return undefined;
  const now = (deps.now ?? Date.now)();
  const ref = deps.db.collection("tasks").doc(taskDocId);
  const jobRead = envelope.job_id ? deps.db.collection("jobs").doc(envelope.job_id).get() : undefined;
  let written;
  try {
    written = await ref.update(
      claimFields(deps, claimId, 1, now, true),
      { lastUpdateTime: event.updateTime },
    );
  } catch {
    await jobRead?.catch(() => undefined);
    return undefined; // changed since the event (a redelivery), or an ambiguous answer: the transaction decides
  }
  // The claim is ours now: a failed job read must not throw while holding it. Without the job the finish
  // takes the transactional path, which reads it again.
  const jobSnap = await jobRead?.catch(() => undefined);
  return {
    claim: { kind: "claimed", envelope: { ...envelope, status: "running", attempts: 1 }, attempt: 1, claimId, config: parsed.value },
    taskWriteTime: written.writeTime,
    ...(jobSnap?.exists ? { job: { data: jobSnap.data()!, updateTime: jobSnap.updateTime! } } : {}),
  };
}
