// The parts of the floor of an exactly-once hop, each timed alone against the same emulator and stand-in: the
// claim (one single-document write), one model call at 0 ms latency, and the finish's batch commit. Added to the
// bare trigger hop (hop-latency.ts) they make the least an exactly-once hop can take.
import { randomUUID } from "node:crypto";
import { deleteApp, initializeApp } from "firebase-admin/app";
import { getFirestore, type Firestore } from "firebase-admin/firestore";
import { createFirestoreSink } from "../shared/builtins/firestore-sink";
import { parseConfig } from "../shared/validation/validate-config";
import { runTaskSteps } from "../shared/engine/run-task-steps";
import { storeRunRecord } from "../shared/pipeline/output-document";
import { planFinish } from "../shared/pipeline/plan-finish";
import { addWrites, type Write } from "../shared/pipeline/writes";
import { createRuntime } from "../shared/runtime/create-runtime";
import { chainJob } from "./bench-configs";
import { COST_PROJECT_ID } from "./firestore-cost";
import { median, round } from "./stats";

export interface HopFloorParts {
  /** One update() of a single document with a last-update-time precondition, as the claim writes. */
  claim_write_ms: number;
  /** One generateContent call through the Gemini SDK to the stand-in at 0 ms latency. */
  model_call_ms: number;
  /** One batch commit of a middle task's finish: output create, task update, successor create, job update. */
  finish_commit_ms: number;
  /** One create() of a small document: the bare hop's only Firestore call, already inside the bare hop. */
  create_ms: number;
  samples: number;
}

/** Runs in the benchmark process against the Firestore emulator, under the cost benchmark's project (no trigger fires there). */
export async function measureHopFloorParts(standinUrl: string, samples = 20): Promise<HopFloorParts> {
  const app = initializeApp({ projectId: COST_PROJECT_ID }, `bench-floor-${randomUUID()}`);
  const db = getFirestore(app);
  db.settings({ ignoreUndefinedProperties: true });
  const runtime = await createRuntime({ env: { GEMINI_BASE_URL: standinUrl }, sink: createFirestoreSink(db) });
  try {
    const writes = await finishWritesOfAMiddleTask(runtime.engine);
    const provider = runtime.engine.providers.gemini!;
    const request = {
      model: "gemini-2.5-flash",
      systemPrompt: "",
      userPrompt: "Hop 2 of 3: answer in one line.",
      generationConfig: { temperature: 0 },
    };
    const t = { claim: [] as number[], model: [] as number[], finish: [] as number[], create: [] as number[] };
    // Two warm-up rounds (connections, JIT), then the measured ones.
    for (let n = 0; n < samples + 2; n++) {
      const tag = `${randomUUID().slice(0, 8)}`;
      const claimed = db.doc(`bench_floor/${tag}-claim`);
      const { writeTime } = await claimed.create({ status: "queued" });
      const timed = async (into: number[], run: () => Promise<unknown>) => {
        const began = performance.now();
        await run();
        if (n >= 2) into.push(performance.now() - began);
      };
      await timed(t.claim, () => claimed.update({ status: "running", attempts: 1 }, { lastUpdateTime: writeTime }));
      await timed(t.model, () => provider.generate(request));
      const renamed = await freshTargets(db, writes, tag);
      await timed(t.finish, () => {
        const batch = db.batch();
        addWrites(db, batch, renamed);
        return batch.commit();
      });
      await timed(t.create, () => db.doc(`bench_floor/${tag}-create`).create({ n }));
    }
    const m = (xs: number[]) => round(median(xs), 2);
    return { claim_write_ms: m(t.claim), model_call_ms: m(t.model), finish_commit_ms: m(t.finish), create_ms: m(t.create), samples };
  } finally {
    await runtime.close();
    await deleteApp(app);
  }
}

/** The writes planFinish makes for hop 2 of a 3-task job (the chain hop-latency runs), from a real engine run. */
async function finishWritesOfAMiddleTask(engine: Parameters<typeof runTaskSteps>[2]): Promise<Write[]> {
  const job = chainJob("bench-floor", 3);
  const parsed = parseConfig("task", job.task_configs![0]);
  if (!parsed.ok) throw new Error(`hop-floor: the bench task is invalid: ${JSON.stringify(parsed.issues)}`);
  const taskDocId = "bench-floor~run1~2~hop2";
  const record = await runTaskSteps(parsed.value, taskDocId, engine);
  const chain = [job.task_config, ...job.task_configs!].map((t) => parseConfig("task", t)).map((p) => (p.ok ? p.value : undefined));
  const plan = planFinish({
    input: {
      taskDocId,
      envelope: { job_id: "bench-floor", run_id: "run1", hop: 2, status: "running", attempts: 1 },
      attempt: 1,
      config: parsed.value,
    },
    stored: storeRunRecord(taskDocId, 1, record),
    job: { ...job, status: "running", run_id: "run1", chain },
    now: Date.now(),
    bareMaxHops: 100,
    conflicts: {},
  });
  return plan.writes;
}

/** The same writes aimed at new documents of this sample; the documents updated are created first (untimed). */
async function freshTargets(db: Firestore, writes: readonly Write[], tag: string): Promise<Write[]> {
  const renamed = writes.map((w) => ({ ...w, path: `bench_floor_${w.path.split("/")[0]}/${tag}-${w.path.split("/")[1]}` }));
  await Promise.all(
    renamed
      .filter((w) => w.op === "update")
      .map((w) => db.doc(w.path).set({ status: "running", usage: { prompt_tokens: 0, output_tokens: 0, total_tokens: 0 } })),
  );
  return renamed;
}
