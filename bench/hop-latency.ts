// Benchmark 2: time from one task document's creation to its successor's, against the floor of an exactly-once hop.
import type { Firestore, Timestamp } from "firebase-admin/firestore";
import { jobTaskDocId } from "../shared/pipeline/doc-ids";
import { chainJob } from "./bench-configs";
import { measureHopFloorParts, type HopFloorParts } from "./hop-floor";
import { configureStandin } from "./standin-client";
import { median, percentile, round } from "./stats";
import { waitForDoc } from "./wait-for-doc";

export interface HopLatencyOptions {
  /** Tasks per chain (hops measured per chain: one fewer). */
  tasks: number;
  /** Measured chains of each kind, alternated. */
  chains: number;
  /** Unmeasured chains of each kind first: they start the emulator's worker processes. */
  warmupChains: number;
  /** Whether the bare codebase is loaded (the bench session has it; the integration session does not). */
  bare: boolean;
  timeoutMs: number;
}

export const HOP_LATENCY_DEFAULTS: HopLatencyOptions = { tasks: 12, chains: 5, warmupChains: 3, bare: true, timeoutMs: 120_000 };

export interface HopLatencyResult {
  hop_ms_p50: number;
  hop_ms_p95: number;
  bare_hop_ms_p50: number;
  bare_hop_ms_p95: number;
  /** hop_ms_p50 / bare_hop_ms_p50: information only (a bare hop makes one write and no model call). */
  hop_ratio: number;
  /**
   * The least an exactly-once hop can take: the bare hop + the claim write + one model call at 0 ms + the finish's
   * batch commit less the one create() the bare hop already holds, each part's median measured alone in this run.
   */
  hop_floor_ms: number;
  /** hop_ms_p50 / hop_floor_ms: the goal (at most 1.25). */
  hop_floor_ratio: number;
  floor_parts: HopFloorParts;
  hops_measured: number;
  tasks_per_chain: number;
  /** Every measured hop, chain by chain in hop order: the first hop of a chain is its entry task's trigger. */
  hop_gaps_ms: number[][];
  bare_hop_gaps_ms: number[][];
}

const millis = (value: unknown) => (value as Timestamp).toMillis();

/** Consecutive differences of created_at, in hop order. */
function hopGaps(docs: { hop: number; createdMs: number }[]): number[] {
  const sorted = [...docs].sort((a, b) => a.hop - b.hop);
  return sorted.slice(1).map((d, i) => d.createdMs - sorted[i]!.createdMs);
}

async function runPipelineChain(db: Firestore, jobId: string, options: HopLatencyOptions): Promise<number[]> {
  await db.collection("jobs").doc(jobId).create(chainJob(jobId, options.tasks));
  const refs = Array.from({ length: options.tasks }, (_, i) =>
    db.collection("tasks").doc(jobTaskDocId(jobId, "run1", i + 1, `hop${i + 1}`)),
  );
  // Like the bare chain, wait on the last document only: a listener on the job, which changes at every hop,
  // would load the emulator during the very hops it measures.
  try {
    await waitForDoc(db, refs.at(-1)!.path, (d) => d.status === "success" || d.status === "failed", options.timeoutMs);
  } catch (err) {
    const job = (await db.collection("jobs").doc(jobId).get()).data();
    throw new Error(
      `hop-latency: job ${jobId} did not finish (status ${String(job?.status)}, error ${JSON.stringify(job?.error)}): ${(err as Error).message}`,
      { cause: err },
    );
  }
  const job = (await db.collection("jobs").doc(jobId).get()).data();
  if (job?.status !== "success") throw new Error(`hop-latency: job ${jobId} failed: ${JSON.stringify(job?.error)}`);
  const snaps = await db.getAll(...refs);
  return hopGaps(snaps.map((s, i) => ({ hop: i + 1, createdMs: millis(s.get("created_at")) })));
}

async function runBareChain(db: Firestore, chainId: string, options: HopLatencyOptions): Promise<number[]> {
  await db.collection("bench_bare_jobs").doc(chainId).create({ hops: options.tasks });
  await waitForDoc(db, `bench_bare_tasks/${chainId}~${options.tasks}`, () => true, options.timeoutMs);
  const refs = Array.from({ length: options.tasks }, (_, i) => db.collection("bench_bare_tasks").doc(`${chainId}~${i + 1}`));
  const snaps = await db.getAll(...refs);
  return hopGaps(snaps.map((s, i) => ({ hop: i + 1, createdMs: millis(s.get("created_at")) })));
}

export async function measureHopLatency(
  db: Firestore,
  standinUrl: string,
  tag: string,
  options: HopLatencyOptions = HOP_LATENCY_DEFAULTS,
): Promise<HopLatencyResult> {
  if (options.tasks < 2) throw new Error(`hop-latency: a chain needs at least 2 tasks, got ${options.tasks}`);
  await configureStandin(standinUrl, { latencyMs: 0, rpm: 0, faults: {}, script: [] });
  const ours: number[] = [];
  const bare: number[] = [];
  const oursByChain: number[][] = [];
  const bareByChain: number[][] = [];
  for (let n = 0; n < options.warmupChains + options.chains; n++) {
    const measured = n >= options.warmupChains;
    const pipelineGaps = await runPipelineChain(db, `bench-hop-${tag}-${n}`, options);
    const bareGaps = options.bare ? await runBareChain(db, `bench-hop-${tag}-${n}`, options) : [];
    if (measured) {
      ours.push(...pipelineGaps);
      bare.push(...bareGaps);
      oursByChain.push(pipelineGaps);
      bareByChain.push(bareGaps);
    }
  }
  const p50 = median(ours);
  const bareP50 = median(bare);
  const floor_parts = await measureHopFloorParts(standinUrl);
  const floor = bareP50 + floor_parts.claim_write_ms + floor_parts.model_call_ms + (floor_parts.finish_commit_ms - floor_parts.create_ms);
  return {
    hop_ms_p50: round(p50, 1),
    hop_ms_p95: round(percentile(ours, 95), 1),
    bare_hop_ms_p50: round(bareP50, 1),
    bare_hop_ms_p95: round(percentile(bare, 95), 1),
    hop_ratio: round(p50 / bareP50, 3),
    hop_floor_ms: round(floor, 1),
    hop_floor_ratio: round(p50 / floor, 3),
    floor_parts,
    hops_measured: ours.length,
    tasks_per_chain: options.tasks,
    hop_gaps_ms: oursByChain,
    bare_hop_gaps_ms: bareByChain,
  };
}
