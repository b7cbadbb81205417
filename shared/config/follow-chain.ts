// Follows next_task links from an entry task, in work linear in the chain: each link is looked up once and a set
// tells a cycle (an array's includes() made a 250,000-task chain take about a minute), up to a hop limit.

export type ChainWalk<T> = {
  /** The tasks followed, entry first. */
  chain: T[];
  /** The ids of `chain`, in order. */
  ids: string[];
} & (
  | { end: "complete" }
  /** The last task names itself. */
  | { end: "self"; nextId: string }
  /** The last task names one already in the chain. */
  | { end: "cycle"; nextId: string }
  /** The last task names one `find` does not know. */
  | { end: "dangling"; nextId: string }
  /** The chain reached `limit` tasks and goes on. */
  | { end: "too_long"; nextId: string }
);

/** Follows `nextOf` from `entry` through `find` until the chain ends, loops, breaks or passes `limit` tasks. */
export function followChain<T>(
  entry: { id: string; task: T },
  nextOf: (task: T) => string | undefined,
  find: (id: string) => T | undefined,
  limit: number,
): ChainWalk<T> {
  const chain = [entry.task];
  const ids = [entry.id];
  const seen = new Set(ids);
  for (let nextId = nextOf(entry.task); nextId; nextId = nextOf(chain[chain.length - 1]!)) {
    if (nextId === ids[ids.length - 1]) return { chain, ids, end: "self", nextId };
    if (seen.has(nextId)) return { chain, ids, end: "cycle", nextId };
    if (chain.length >= limit) return { chain, ids, end: "too_long", nextId };
    const next = find(nextId);
    if (next === undefined) return { chain, ids, end: "dangling", nextId };
    chain.push(next);
    ids.push(nextId);
    seen.add(nextId);
  }
  return { chain, ids, end: "complete" };
}
