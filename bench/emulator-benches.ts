// Runs the emulator benchmarks inside a Firestore + Functions + Cloud Tasks emulator session; writes their results as JSON to --out.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { getDb } from "../shared/pipeline/firestore";
import { measureBatchSubmit } from "./batch-submit";
import { measureBatchThroughput } from "./batch-throughput";
import { EMULATOR_BENCHES, type BenchDetails, type BenchName } from "./bench-results";
import { FULL_SIZES, SMOKE_SIZES } from "./bench-sizes";
import { BENCH_LINE_PREFIX } from "./emulator-session";
import { measureFirestoreCost } from "./firestore-cost";
import { measureHopLatency } from "./hop-latency";
import { measureResponseCache } from "./response-cache";

export interface EmulatorBenchOutput {
  details: BenchDetails;
  errors: Partial<Record<BenchName, string>>;
}

const USAGE =
  "usage: tsx bench/emulator-benches.ts --out FILE --standin URL [--smoke] [--only hop_latency,firestore_cost,batch_throughput,response_cache,batch_submit]";

const { values } = parseArgs({
  options: { out: { type: "string" }, standin: { type: "string" }, smoke: { type: "boolean", default: false }, only: { type: "string" } },
  strict: true,
});
if (!values.out || !values.standin) {
  console.error(USAGE);
  process.exit(2);
}
if (!process.env.FIRESTORE_EMULATOR_HOST) {
  console.error("emulator-benches: FIRESTORE_EMULATOR_HOST is not set; `npm run bench` runs this inside the emulators");
  process.exit(2);
}
const only = values.only ? values.only.split(",") : [...EMULATOR_BENCHES];
const sizes = values.smoke ? SMOKE_SIZES : FULL_SIZES;
const tag = Date.now().toString(36);
const say = (line: string) => console.log(`${BENCH_LINE_PREFIX}${line}`);

const output: EmulatorBenchOutput = { details: {}, errors: {} };
const db = await getDb();
const runs: { name: BenchName; what: string; run: () => Promise<void> }[] = [
  {
    name: "firestore_cost",
    what: "Firestore cost per task",
    run: async () => void (output.details.firestore_cost = await measureFirestoreCost(sizes.firestore_cost)),
  },
  {
    name: "hop_latency",
    what: "hop latency and its floor",
    run: async () => void (output.details.hop_latency = await measureHopLatency(db, values.standin!, tag, sizes.hop_latency)),
  },
  {
    name: "batch_throughput",
    what: "batch throughput",
    run: async () =>
      void (output.details.batch_throughput = await measureBatchThroughput(db, values.standin!, tag, sizes.batch_throughput)),
  },
  {
    name: "response_cache",
    what: "the response store",
    run: async () => void (output.details.response_cache = await measureResponseCache(db, values.standin!, tag, sizes.response_cache)),
  },
  // Last: the submitted batch is cancelled, but the queue goes on dropping its runs for the rest of the session.
  {
    name: "batch_submit",
    what: "submitting a batch",
    run: async () => void (output.details.batch_submit = await measureBatchSubmit(db, tag, sizes.batch_submit)),
  },
];
for (const { name, what, run } of runs.filter((r) => only.includes(r.name))) {
  const started = Date.now();
  say(`${what}...`);
  try {
    await run();
    say(`${what}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    output.errors[name] = error instanceof Error ? error.message : String(error);
    say(`${what}: FAILED: ${output.errors[name]}`);
  }
}
writeFileSync(values.out, JSON.stringify(output, null, 2));
// Listeners and the Admin SDK's channels would keep the process alive; the results are written.
process.exit(0);
