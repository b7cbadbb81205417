// Where a hop's time goes: the pipeline's claim, engine run and finish timed in-process, beside single Firestore calls.
import { randomUUID } from "node:crypto";
import { deleteApp, initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import { createFirestoreSink } from "../shared/builtins/firestore-sink";
import { DEFAULT_VALIDATION } from "../shared/config/validate-config";
import { runTask } from "../shared/engine/run-task";
import { claimTask } from "../shared/pipeline/claim-task";
import { jobTaskDocId } from "../shared/pipeline/doc-ids";
import { finishTask } from "../shared/pipeline/finish-task";
import { DEFAULT_POLICY, type PipelineDeps } from "../shared/pipeline/pipeline-deps";
import { startJob } from "../shared/pipeline/start-job";
import { createRuntime } from "../shared/runtime/create-runtime";
import { chainJob } from "./bench-configs";
import { COST_PROJECT_ID } from "./firestore-cost";
import { median, round } from "./stats";

export interface HopBreakdown {
  /** claimTask: a transaction that reads the task, parses its config and marks it running. */
  claim_ms: number;
  /** runTask of a one-step task: the engine plus one HTTP call to the stand-in (latency 0). */
  engine_ms: number;
  /** finishTask: a transaction that reads the task and the job, then writes output, task, successor and job. */
  finish_ms: number;
  /** The bare hop's only Firestore call: one create(). */
  create_rpc_ms: number;
  /** One document get(), and the smallest read-write transaction (get, then update). */
  get_rpc_ms: number;
  transaction_ms: number;
  /** Medians over this many hops (the first two, warming the connections, left out). */
  hops: number;
}

/**
 * Runs in the benchmark process against the Firestore emulator, under the cost benchmark's project (no
 * trigger fires there), calling the same functions a trigger would, with the same stand-in the workers use.
 */
export async function measureHopBreakdown(standinUrl: string, hops = 12): Promise<HopBreakdown> {
  const app = initializeApp({ projectId: COST_PROJECT_ID }, `bench-breakdown-${randomUUID()}`);
  const db = getFirestore(app);
  db.settings({ ignoreUndefinedProperties: true });
  const runtime = await createRuntime({ env: { GEMINI_BASE_URL: standinUrl }, sink: createFirestoreSink(db) });
  try {
    const deps: PipelineDeps = { db, engine: runtime.engine, validation: DEFAULT_VALIDATION, policy: DEFAULT_POLICY };
    const jobId = `bench-breakdown-${randomUUID().slice(0, 8)}`;
    await db.collection("jobs").doc(jobId).create({ ...chainJob(jobId, hops + 2), status: "pending" });
    const started = await startJob(deps, jobId, { fromStatuses: ["pending"] });
    if (started.kind !== "started") throw new Error(`hop-breakdown: job ${jobId} did not start: ${JSON.stringify(started)}`);
    const t: Record<"claim" | "engine" | "finish" | "create" | "get" | "tx", number[]> = { claim: [], engine: [], finish: [], create: [], get: [], tx: [] };
    const time = async <T>(into: number[], run: () => Promise<T>): Promise<T> => {
      const began = performance.now();
      const value = await run();
      into.push(performance.now() - began);
      return value;
    };
    for (let hop = 1; hop <= hops + 2; hop++) {
      const id = jobTaskDocId(jobId, started.runId, hop, `hop${hop}`);
      const claim = await time(t.claim, () => claimTask(deps, id));
      if (claim.kind !== "claimed") throw new Error(`hop-breakdown: the claim of ${id} came back ${claim.kind}`);
      const record = await time(t.engine, () => runTask(claim.config, id, deps.engine));
      const finished = await time(t.finish, () => finishTask(deps, { taskDocId: id, envelope: claim.envelope, attempt: claim.attempt, config: claim.config, record }));
      if (finished.kind !== "finished" || finished.status !== "success") throw new Error(`hop-breakdown: ${id} ended ${JSON.stringify(finished)}`);
      const bare = db.collection("bench_bare_tasks").doc(`${jobId}~${hop}`);
      await time(t.create, () => bare.create({ hop }));
      await time(t.get, () => bare.get());
      await time(t.tx, () => db.runTransaction(async (tx) => void tx.update(bare, { seen: (await tx.get(bare)).get("hop") })));
    }
    const m = (samples: number[]) => round(median(samples.slice(2)), 1);
    return { claim_ms: m(t.claim), engine_ms: m(t.engine), finish_ms: m(t.finish), create_rpc_ms: m(t.create), get_rpc_ms: m(t.get), transaction_ms: m(t.tx), hops };
  } finally {
    await runtime.close();
    await deleteApp(app);
  }
}
