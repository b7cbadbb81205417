// Claim before work: moves a task from queued to running under this delivery's claim id, so that any other
// delivery of the same document (a duplicate, a retry, the sweep) does nothing while the claim holds.
import { randomUUID } from "node:crypto";
import { Timestamp, type DocumentData, type Transaction } from "firebase-admin/firestore";
import type { ConfigIssue } from "../config/config-issue";
import type { TaskConfig } from "../config/config-schemas";
import { parseConfig } from "../validation/validate-config";
import { COLLECTIONS } from "../collections";
import type { TaskDocDeps } from "./pipeline-deps";
import { splitTaskDocument, type TaskEnvelope } from "./task-document";

/** A document as read, with the time of its last write (a precondition for writing it again). */
export interface ReadDocument {
  data: DocumentData;
  updateTime: Timestamp;
}

/** What the finish may skip reading when the claim came from the created-event. */
export interface ClaimedFromEvent {
  /** When the claim was written: the finish requires the task unchanged since. */
  claimWrittenAt: Timestamp;
  /**
   * The job as read beside the claim, or as this instance read it for an earlier task of the run; absent for a bare
   * task (or when the read failed). The finish requires the job unchanged since `updateTime`.
   */
  job?: ReadDocument;
}

export type Claim =
  | {
      kind: "claimed";
      envelope: TaskEnvelope;
      attempt: number;
      claimId: string;
      config: TaskConfig;
      /** A bare task's successor, from the task_configs/ library. */
      libraryNext?: TaskConfig;
      fromEvent?: ClaimedFromEvent;
    }
  | {
      kind: "invalid";
      envelope: TaskEnvelope;
      attempt: number;
      claimId: string;
      issues: ConfigIssue[];
      code: "invalid_config" | "hop_limit";
    }
  | { kind: "exhausted"; envelope: TaskEnvelope; attempt: number; claimId: string }
  | { kind: "skipped"; reason: string };

export interface ClaimOptions {
  /** The document as its created-event carries it. */
  event?: ReadDocument;
  /**
   * Made once per delivery: when a commit is applied but answered with an error, the transaction runs again,
   * and the id tells that the claim it then finds is this delivery's own.
   */
  claimId?: string;
}

/**
 * The usual first delivery of a new task claims it in one write, with no read of the task: an update that
 * requires the document unchanged since the event. Everything else (a redelivery, the sweep, an invalid
 * document, a bare task whose successor must be read from the library), or that write finding the document
 * changed, goes through a transaction that reads the task and decides. Both paths claim the same way.
 */
export async function claimTask(deps: TaskDocDeps, taskDocId: string, options: ClaimOptions = {}): Promise<Claim> {
  const claimId = options.claimId ?? randomUUID();
  const fromEvent = options.event ? await claimFromEvent(deps, taskDocId, options.event, claimId) : undefined;
  return fromEvent ?? claimInTransaction(deps, taskDocId, claimId);
}

async function claimFromEvent(deps: TaskDocDeps, taskDocId: string, event: ReadDocument, claimId: string): Promise<Claim | undefined> {
  const { envelope, config, issues } = splitTaskDocument(event.data);
  if (issues.length || envelope.status !== "queued" || envelope.attempts !== 0) return undefined;
  const parsed = parseConfig("task", config, deps.validation);
  if (!parsed.ok || (!envelope.job_id && parsed.value.next_task)) return undefined;
  const now = (deps.now ?? Date.now)();
  // The finish needs the job: as this instance read it for an earlier task of the run, else read beside the claim.
  const known = envelope.job_id && envelope.run_id ? deps.runningJobs?.get(envelope.job_id, envelope.run_id) : undefined;
  const jobRead = envelope.job_id && !known ? deps.db.collection(COLLECTIONS.jobs).doc(envelope.job_id).get() : undefined;
  let written;
  try {
    const precondition = { lastUpdateTime: event.updateTime };
    written = await deps.db
      .collection(COLLECTIONS.tasks)
      .doc(taskDocId)
      .update(claimFields(deps, claimId, 1, now, true), precondition);
  } catch {
    await jobRead?.catch(() => undefined);
    return undefined; // changed since the event (a redelivery), or an ambiguous answer: the transaction decides
  }
  // The claim is ours now, so a failed job read must not throw: without it the finish reads the job itself.
  const jobSnap = await jobRead?.catch(() => undefined);
  if (jobSnap?.exists) deps.runningJobs?.remember(envelope.job_id!, jobSnap.data()!);
  // A job known from before is as the commit that created this task left it (that commit wrote the job too, so the
  // job's update time is the task's), as long as nothing wrote it since: the finish requires exactly that.
  const job = known
    ? { data: known, updateTime: event.updateTime }
    : jobSnap?.exists
      ? { data: jobSnap.data()!, updateTime: jobSnap.updateTime! }
      : undefined;
  return {
    kind: "claimed",
    envelope: { ...envelope, status: "running", attempts: 1 },
    attempt: 1,
    claimId,
    config: parsed.value,
    fromEvent: { claimWrittenAt: written.writeTime, ...(job ? { job } : {}) },
  };
}

async function claimInTransaction(deps: TaskDocDeps, taskDocId: string, claimId: string): Promise<Claim> {
  const ref = deps.db.collection(COLLECTIONS.tasks).doc(taskDocId);
  const now = (deps.now ?? Date.now)();
  return deps.db.runTransaction(async (tx): Promise<Claim> => {
    const snap = await tx.get(ref);
    if (!snap.exists) return { kind: "skipped", reason: "the task document no longer exists" };
    const { envelope, config, issues } = splitTaskDocument(snap.data()!);
    const ours = envelope.status === "running" && envelope.claim_id === claimId;
    const busy = ours ? undefined : whyNotClaimable(envelope, now);
    if (busy) return { kind: "skipped", reason: busy };
    // A parked task (provider batch mode) goes on under the attempt it parked in: waiting is not a crash.
    const attempt = ours || envelope.status === "waiting" ? envelope.attempts : envelope.attempts + 1;
    const base = { envelope, attempt, claimId };
    // Every read comes before the transaction's one write.
    const checked = attempt > deps.policy.maxAttempts ? undefined : await checkTask(deps, envelope, config, issues, tx);
    if (!ours) tx.update(ref, claimFields(deps, claimId, attempt, now, !envelope.started_at));
    if (!checked) return { kind: "exhausted", ...base };
    if (!checked.ok) return { kind: "invalid", ...base, issues: checked.issues, code: checked.code };
    return { kind: "claimed", ...base, config: checked.task, ...(checked.libraryNext ? { libraryNext: checked.libraryNext } : {}) };
  });
}

/** Why another delivery may not take the task now, or undefined when it may. */
function whyNotClaimable(envelope: TaskEnvelope, now: number): string | undefined {
  if (envelope.status === "success" || envelope.status === "failed") return `already ${envelope.status}`;
  const leaseEnd = envelope.lease_expires_at?.toMillis() ?? 0;
  if (envelope.status === "running" && leaseEnd > now) {
    return `running under attempt ${envelope.attempts} until ${new Date(leaseEnd).toISOString()}`;
  }
  return undefined;
}

type CheckedTask =
  { ok: true; task: TaskConfig; libraryNext?: TaskConfig } | { ok: false; issues: ConfigIssue[]; code: "invalid_config" | "hop_limit" };

/** The task as it will run: a valid config, within the hop limit, and for a bare task a sound library chain. */
async function checkTask(
  deps: TaskDocDeps,
  envelope: TaskEnvelope,
  config: Record<string, unknown>,
  envelopeIssues: ConfigIssue[],
  tx: Transaction,
): Promise<CheckedTask> {
  const parsed = parseConfig("task", config, deps.validation);
  const issues = [...envelopeIssues, ...(parsed.ok ? [] : parsed.issues)];
  if (!parsed.ok || issues.length) return { ok: false, issues, code: "invalid_config" };
  const task = parsed.value;
  // A job's chain and limit were checked when it started; a bare task's are checked here, before any work.
  if (envelope.job_id || !task.next_task) return { ok: true, task };
  if (envelope.hop + 1 > deps.policy.maxHops) {
    const message = `the chain reached its hop limit (${deps.policy.maxHops} tasks); next_task ${JSON.stringify(task.next_task)} would be task ${envelope.hop + 1}`;
    return { ok: false, issues: [{ path: "next_task", message }], code: "hop_limit" };
  }
  const chain = await followLibraryChain(deps, task, envelope.hop, tx);
  return chain.ok ? { ok: true, task, libraryNext: chain.next } : { ok: false, issues: chain.issues, code: "invalid_config" };
}

/**
 * A bare task's successor comes from the library. The entry task follows the whole library chain, so that a
 * dangling link or a cycle fails before any work; a later task only needs its own link.
 */
async function followLibraryChain(
  deps: TaskDocDeps,
  task: TaskConfig,
  hop: number,
  tx: Transaction,
): Promise<{ ok: true; next: TaskConfig } | { ok: false; issues: ConfigIssue[] }> {
  const seen = [task.task_id];
  let next: TaskConfig | undefined;
  let path = "next_task";
  for (let link = task; link.next_task;) {
    if (seen.includes(link.next_task)) {
      const cycle = [...seen, link.next_task].map((id) => JSON.stringify(id)).join(" -> ");
      return { ok: false, issues: [{ path, message: `the chain has a cycle: ${cycle}` }] };
    }
    const found = await readLibraryTask(deps, link.next_task, tx);
    if (!found.ok) return found;
    seen.push(link.next_task);
    link = found.value;
    next ??= link;
    path = `task_configs/${link.task_id}.next_task`;
    if (hop > 1 || seen.length > deps.policy.maxHops) break;
  }
  return { ok: true, next: next! };
}

async function readLibraryTask(
  deps: TaskDocDeps,
  taskId: string,
  tx: Transaction,
): Promise<{ ok: true; value: TaskConfig } | { ok: false; issues: ConfigIssue[] }> {
  const snap = await tx.get(deps.db.collection(COLLECTIONS.taskConfigs).doc(taskId));
  if (!snap.exists) {
    return {
      ok: false,
      issues: [{ path: "next_task", message: `next_task ${JSON.stringify(taskId)} names no document in task_configs/` }],
    };
  }
  const parsed = parseConfig("task", snap.data(), deps.validation);
  if (parsed.ok) return parsed;
  return {
    ok: false,
    issues: parsed.issues.map((i) => ({ path: `task_configs/${taskId}${i.path ? `.${i.path}` : ""}`, message: i.message })),
  };
}

/** What a claim writes on the task. */
function claimFields(deps: TaskDocDeps, claimId: string, attempt: number, now: number, firstStart: boolean): DocumentData {
  return {
    status: "running",
    claim_id: claimId,
    attempts: attempt,
    lease_expires_at: Timestamp.fromMillis(now + deps.policy.leaseMs),
    ...(firstStart ? { started_at: Timestamp.fromMillis(now) } : {}),
  };
}
