// Where a hop's time goes: the pipeline's own path (claim from the event, engine, one-commit finish, continuation)
// timed in-process, beside single Firestore calls.
import { randomUUID } from "node:crypto";
import { deleteApp, initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import { createFirestoreSink } from "../shared/builtins/firestore-sink";
import { DEFAULT_VALIDATION } from "../shared/config/validate-config";
import { jobTaskDocId } from "../shared/pipeline/doc-ids";
import { handleTaskCreated } from "../shared/pipeline/handle-task-created";
import { DEFAULT_POLICY, type PipelineDeps } from "../shared/pipeline/pipeline-deps";
import { startJob } from "../shared/pipeline/start-job";
import { createRuntime } from "../shared/runtime/create-runtime";
import { chainJob } from "./bench-configs";
import { COST_PROJECT_ID } from "./firestore-cost";
import { median, round } from "./stats";

export interface HopBreakdown {
  /** The entry task, as its trigger runs it: claim from the event (one write, the job read beside it), engine, finish. */
  entry_task_ms: number;
  /** A continued hop: from one task's end to the next one's, that is the engine run and the finish's one commit. */
  continued_hop_ms: number;
  /** runTask of a one-step task within a continued hop: the engine plus one HTTP call to the stand-in (latency 0). */
  engine_ms: number;
  /** The rest of a continued hop: planning the finish and its one batch commit (output, task, successor, job). */
  finish_ms: number;
  /** The bare hop's only Firestore call: one create(). */
  create_rpc_ms: number;
  /** One document get(). */
  get_rpc_ms: number;
  /** Continued hops measured (the first two, warming the connections, left out), over three chains. */
  hops: number;
}

/**
 * Runs in the benchmark process against the Firestore emulator, under the cost benchmark's project (no
 * trigger fires there), calling the pipeline as the trigger would, with the same stand-in the workers use.
 */
export async function measureHopBreakdown(standinUrl: string, hops = 12): Promise<HopBreakdown> {
  const app = initializeApp({ projectId: COST_PROJECT_ID }, `bench-breakdown-${randomUUID()}`);
  const db = getFirestore(app);
  db.settings({ ignoreUndefinedProperties: true });
  const runtime = await createRuntime({ env: { GEMINI_BASE_URL: standinUrl }, sink: createFirestoreSink(db) });
  try {
    const ends: number[] = [];
    const engine: number[] = [];
    const log = (message: string, fields?: Record<string, unknown>) => {
      if (message === "task ended") ends.push(performance.now());
      if (message === "task ended" && fields?.claim === "predecessor") engine.push(Number(fields.engineMs));
    };
    const deps: PipelineDeps = { db, engine: runtime.engine, validation: DEFAULT_VALIDATION, policy: DEFAULT_POLICY, log };
    const t: Record<"entry" | "hop" | "create" | "get", number[]> = { entry: [], hop: [], create: [], get: [] };
    for (let chain = 0; chain < 3; chain++) {
      const jobId = `bench-breakdown-${randomUUID().slice(0, 8)}`;
      await db.collection("jobs").doc(jobId).create({ ...chainJob(jobId, hops + 1), status: "pending" });
      const started = await startJob(deps, jobId, { fromStatuses: ["pending"] });
      if (started.kind !== "started") throw new Error(`hop-breakdown: job ${jobId} did not start: ${JSON.stringify(started)}`);
      const entry = jobTaskDocId(jobId, started.runId, 1, "hop1");
      const snap = await db.collection("tasks").doc(entry).get();
      ends.length = 0;
      const began = performance.now();
      const outcome = await handleTaskCreated(deps, entry, { event: { data: snap.data()!, updateTime: snap.updateTime! }, invocationDeadlineAt: Date.now() + 540_000 });
      if (outcome.kind !== "finished" || outcome.continued?.length !== hops) throw new Error(`hop-breakdown: the chain of ${jobId} did not run through: ${JSON.stringify(outcome)}`);
      t.entry.push(ends[0]! - began);
      t.hop.push(...ends.slice(1).map((end, i) => end - ends[i]!));
      for (let i = 0; i < 4; i++) {
        const bare = db.collection("bench_bare_tasks").doc(`${jobId}~${i}`);
        const create = performance.now();
        await bare.create({ i });
        t.create.push(performance.now() - create);
        const get = performance.now();
        await bare.get();
        t.get.push(performance.now() - get);
      }
    }
    const m = (samples: number[]) => round(median(samples), 1);
    const continued = t.hop.filter((_, i) => i % hops >= 2);
    const engineMs = m(engine.filter((_, i) => i % hops >= 2));
    const hopMs = m(continued);
    return { entry_task_ms: m(t.entry), continued_hop_ms: hopMs, engine_ms: engineMs, finish_ms: round(hopMs - engineMs, 1), create_rpc_ms: m(t.create), get_rpc_ms: m(t.get), hops: continued.length };
  } finally {
    await runtime.close();
    await deleteApp(app);
  }
}
