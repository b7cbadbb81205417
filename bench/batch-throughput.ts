// Benchmark 4: a batch of one-step tasks through the triggers against a rate-limited stand-in, against the limit's own bound.
import type { Firestore } from "firebase-admin/firestore";
import { oneStepTask } from "./bench-configs";
import { configureStandin, resetStandin, standinConfig, standinStats } from "./standin-client";
import { round } from "./stats";

export interface BatchThroughputOptions {
  tasks: number;
  /** The stand-in's requests-per-minute limit; 0 runs unlimited (smoke test). */
  rpm: number;
  /**
   * Requests the limiter lets through at once (the stand-in's `rpmBurst`): a small burst makes the limit a
   * smooth pace, so that calls/limit is the true bound. 0 keeps the stand-in's sliding 60 s window.
   */
  rpmBurst: number;
  latencyMs: number;
  /**
   * Tasks released and not yet ended, at most. The emulator queues the event of every task created, and a
   * Functions emulator that delivers events in parallel starts one worker process per concurrent event:
   * hundreds at once would measure the queue or process start-up, not the executor.
   */
  inFlight: number;
  timeoutMs: number;
}

/**
 * The Firestore emulator delivers one trigger event at a time, waiting for each function to return (measured:
 * six 1 s triggers created at once run one after another). In the emulator the pipeline therefore runs at most
 * 1 / (latency + per-task overhead), about 2.6 tasks a second at 300 ms; the limit must sit below that to be
 * what sets the pace: 120 rpm, so 300 calls take at least 150 s.
 */
export const BATCH_THROUGHPUT_DEFAULTS: BatchThroughputOptions = { tasks: 300, rpm: 120, rpmBurst: 1, latencyMs: 300, inFlight: 12, timeoutMs: 400_000 };

export interface BatchThroughputResult {
  batch_tasks: number;
  batch_seconds: number;
  /** calls / limit: the shortest time the limit allows. */
  rate_bound_seconds: number;
  /** rate_bound_seconds / batch_seconds: 1.0 is perfect. */
  throughput_ratio: number;
  batch_failed: number;
  /** What the stand-in saw: every call, the ones it answered, and the ones it turned away with 429. */
  model_requests: number;
  model_answered: number;
  model_rate_limited: number;
  /** When the first task ended, from the start of the batch: the pipeline's start-up (worker processes, first loads). */
  first_task_seconds: number;
  rpm: number;
  rpm_burst: number;
  latency_ms: number;
  in_flight: number;
  failed_codes: Record<string, number>;
}

export async function measureBatchThroughput(db: Firestore, standinUrl: string, tag: string, options: BatchThroughputOptions = BATCH_THROUGHPUT_DEFAULTS): Promise<BatchThroughputResult> {
  const knobs: Record<string, unknown> = { latencyMs: options.latencyMs, rpm: options.rpm, faults: {}, script: [] };
  if (options.rpmBurst > 0) {
    if (!("rpmBurst" in (await standinConfig(standinUrl)))) {
      throw new Error(
        "batch-throughput: the stand-in has no rpmBurst knob, and its sliding 60 s window lets a burst of rpm calls through at once, " +
          "which makes calls/limit no bound at all; add the knob to shared/standin/standin-server.ts (docs/performance.md says how) or run with rpmBurst 0",
      );
    }
    knobs.rpmBurst = options.rpmBurst;
  }
  await configureStandin(standinUrl, knobs);
  await resetStandin(standinUrl);

  const taskId = `bench_batch_${tag.replace(/\W/g, "_")}`;
  const config = oneStepTask(taskId, "Answer in one line: what is a batch?");
  const ended = new Map<string, { status: string; code?: string }>();
  let created = 0;
  let firstEndedAt: number | undefined;
  const began = performance.now();

  const finished = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`batch-throughput: ${ended.size} of ${options.tasks} tasks ended within ${Math.round(options.timeoutMs / 1000)} s; see the emulator log`));
    }, options.timeoutMs);
    const release = () => {
      while (created < options.tasks && created - ended.size < options.inFlight) {
        const id = `bench-batch-${tag}-${String(created).padStart(4, "0")}`;
        created++;
        db.collection("tasks").doc(id).create(config).catch((error: Error) => {
          clearTimeout(timer);
          unsubscribe();
          reject(new Error(`batch-throughput: could not create tasks/${id}: ${error.message}`));
        });
      }
    };
    const unsubscribe = db
      .collection("tasks")
      .where("task_id", "==", taskId)
      .onSnapshot(
        (snap) => {
          for (const change of snap.docChanges()) {
            const status = change.doc.get("status");
            if ((status === "success" || status === "failed") && !ended.has(change.doc.id)) {
              ended.set(change.doc.id, { status, code: change.doc.get("error.code") });
              firstEndedAt ??= performance.now();
            }
          }
          if (ended.size >= options.tasks) {
            clearTimeout(timer);
            unsubscribe();
            resolve(performance.now());
          } else release();
        },
        (error) => {
          clearTimeout(timer);
          reject(new Error(`batch-throughput: listening to the batch failed: ${error.message}`));
        },
      );
    release();
  });
  const endedAt = await finished;
  const stats = await standinStats(standinUrl);
  await configureStandin(standinUrl, { latencyMs: 0, rpm: 0 });

  const seconds = (endedAt - began) / 1000;
  const calls = options.tasks; // one model step per task
  const bound = options.rpm > 0 ? (calls / options.rpm) * 60 : 0;
  const failed = [...ended.values()].filter((e) => e.status === "failed");
  const failedCodes: Record<string, number> = {};
  for (const f of failed) failedCodes[f.code ?? "unknown"] = (failedCodes[f.code ?? "unknown"] ?? 0) + 1;
  return {
    batch_tasks: options.tasks,
    batch_seconds: round(seconds, 2),
    rate_bound_seconds: round(bound, 2),
    throughput_ratio: options.rpm > 0 ? round(bound / seconds, 3) : Number.NaN,
    batch_failed: failed.length,
    model_requests: stats.requests,
    model_answered: stats.answered,
    model_rate_limited: stats.faults.rate_limited ?? 0,
    first_task_seconds: round(((firstEndedAt ?? endedAt) - began) / 1000, 2),
    rpm: options.rpm,
    rpm_burst: options.rpmBurst,
    latency_ms: options.latencyMs,
    in_flight: options.inFlight,
    failed_codes: failedCodes,
  };
}
