// Which queued requests go together in one vendor job: those of one provider, route and model, in the order they were
// queued, within the vendor's limits; a group is sent once it is full or its oldest request has waited the window. Pure.
import { canonicalJson } from "../engine/response-key";
import type { BatchLimits } from "../models/batch-provider";

/**
 * Requests one vendor job holds at most, whatever the vendor allows: a vendor_jobs/ document lists its keys (43
 * characters each), and 10,000 of them stay well inside a document's 1 MiB.
 */
export const MAX_KEYS_PER_VENDOR_JOB = 10_000;

/** A queued request as grouping sees it. */
export interface Groupable {
  key: string;
  /** The identity of its provider, route and model (groupIdentity). */
  groupId: string;
  queuedAtMs: number;
  /** The bytes it takes in the vendor job's input (BatchProvider.requestBytes). */
  bytes: number;
}

export interface RequestGroup {
  groupId: string;
  keys: string[];
  bytes: number;
  /** Why it is sent now: it is full (the next request would not fit), or its oldest request waited the window. */
  why: "full" | "waited";
}

export interface GroupPlan {
  /** The groups to send now, oldest first. */
  ready: RequestGroup[];
  /** Requests larger than a whole vendor job of their provider holds: they can never be sent. */
  oversized: Groupable[];
}

/** A route's identity: the same provider, model table entry and model group together, whatever their key order. */
export function groupIdentity(provider: string, route: unknown, model: string): string {
  return canonicalJson({ provider, route, model });
}

/** Groups `requests` (any order) within each group's limits; what is not ready waits for a later round. */
export function planGroups(
  requests: readonly Groupable[],
  limitsOf: (groupId: string) => BatchLimits,
  windowMs: number,
  nowMs: number,
): GroupPlan {
  const byGroup = new Map<string, Groupable[]>();
  const oversized: Groupable[] = [];
  const sorted = [...requests].sort((a, b) => a.queuedAtMs - b.queuedAtMs || a.key.localeCompare(b.key));
  for (const request of sorted) {
    if (request.bytes > limitsOf(request.groupId).maxBytes) oversized.push(request);
    else byGroup.set(request.groupId, [...(byGroup.get(request.groupId) ?? []), request]);
  }
  const ready: { group: RequestGroup; oldestMs: number }[] = [];
  for (const [groupId, members] of byGroup) {
    const limits = limitsOf(groupId);
    const maxRequests = Math.max(1, Math.min(limits.maxRequests, MAX_KEYS_PER_VENDOR_JOB));
    let open: { group: RequestGroup; oldestMs: number } | undefined;
    for (const member of members) {
      if (open && (open.group.keys.length >= maxRequests || open.group.bytes + member.bytes > limits.maxBytes)) {
        ready.push(open);
        open = undefined;
      }
      open ??= { group: { groupId, keys: [], bytes: 0, why: "full" }, oldestMs: member.queuedAtMs };
      open.group.keys.push(member.key);
      open.group.bytes += member.bytes;
    }
    if (!open) continue;
    // The last group is full only when nothing more could join it; else it waits for the window.
    if (open.group.keys.length >= maxRequests) ready.push(open);
    else if (nowMs - open.oldestMs >= windowMs) ready.push({ ...open, group: { ...open.group, why: "waited" } });
  }
  ready.sort((a, b) => a.oldestMs - b.oldestMs);
  return { ready: ready.map(({ group }) => group), oversized };
}
