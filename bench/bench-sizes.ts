// How big each benchmark runs: the full sizes of `npm run bench`, and tiny ones that only prove the code still works.
import { BATCH_SUBMIT_DEFAULTS, type BatchSubmitOptions } from "./batch-submit";
import { BATCH_THROUGHPUT_DEFAULTS, type BatchThroughputOptions } from "./batch-throughput";
import { COLD_START_DEFAULTS, type ColdStartOptions } from "./cold-start";
import { ENGINE_OVERHEAD_DEFAULTS, type EngineOverheadOptions } from "./engine-overhead";
import { FIRESTORE_COST_DEFAULTS, type FirestoreCostOptions } from "./firestore-cost";
import { HOP_LATENCY_DEFAULTS, type HopLatencyOptions } from "./hop-latency";
import { RESPONSE_CACHE_DEFAULTS, type ResponseCacheOptions } from "./response-cache";

export interface BenchSizes {
  engine_overhead: EngineOverheadOptions;
  hop_latency: HopLatencyOptions;
  firestore_cost: FirestoreCostOptions;
  batch_throughput: BatchThroughputOptions;
  cold_start: ColdStartOptions;
  batch_submit: BatchSubmitOptions;
  response_cache: ResponseCacheOptions;
}

export const FULL_SIZES: BenchSizes = {
  engine_overhead: ENGINE_OVERHEAD_DEFAULTS,
  hop_latency: HOP_LATENCY_DEFAULTS,
  firestore_cost: FIRESTORE_COST_DEFAULTS,
  batch_throughput: BATCH_THROUGHPUT_DEFAULTS,
  cold_start: COLD_START_DEFAULTS,
  batch_submit: BATCH_SUBMIT_DEFAULTS,
  response_cache: RESPONSE_CACHE_DEFAULTS,
};

/** Seconds in all; the figures mean nothing, but every code path of every benchmark runs. */
export const SMOKE_SIZES: BenchSizes = {
  engine_overhead: { runs: 20, repeats: 2, warmup: 10 },
  hop_latency: { ...HOP_LATENCY_DEFAULTS, tasks: 3, chains: 1, warmupChains: 0 },
  firestore_cost: { tasks: 2 },
  // No limit: the smoke run must not wait on a rate window, nor need a particular stand-in knob.
  batch_throughput: { ...BATCH_THROUGHPUT_DEFAULTS, rows: 4, rpm: 0, rpmBurst: 0, latencyMs: 0, warmupRows: 1, timeoutMs: 120_000 },
  cold_start: { repeats: 1 },
  batch_submit: { rows: 50, timeoutMs: 120_000 },
  response_cache: { rows: 4, latencyMs: 0, warmupRows: 1, timeoutMs: 120_000 },
};
