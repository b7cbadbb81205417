// `npm run bench`: the benchmarks of issues 5, 11 and 19, printed as a table with PASS/MISS per goal and written to bench/results/latest.json.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, release, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchRowsPerSecond } from "./batch-throughput";
import { BENCH_NAMES, EMULATOR_BENCHES, figuresOf, type BenchDetails, type BenchName } from "./bench-results";
import { FULL_SIZES, SMOKE_SIZES } from "./bench-sizes";
import { measureColdStart, REPO_ROOT } from "./cold-start";
import { measureEngineOverhead } from "./engine-overhead";
import { formatTable } from "./format-table";
import { judgeGoals } from "./goals";
import { EMULATOR_LOG, runEmulatorBenches } from "./run-emulator-benches";

const USAGE = `usage: npm run bench -- [--smoke] [--only NAME,...] [--no-build]

  --smoke     tiny sizes: checks that every benchmark still runs (the figures mean nothing)
  --only      some of: ${BENCH_NAMES.join(", ")}
  --no-build  use functions/lib/index.js as it is (default: build it first)

The emulators listen on EMULATOR_PORT_BASE (default 9300) to +5, so a bench can run beside \`npm run emulators\`.`;

const { values } = parseArgs({
  options: {
    smoke: { type: "boolean", default: false },
    only: { type: "string" },
    "no-build": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
  strict: true,
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const only = (values.only ? values.only.split(",") : [...BENCH_NAMES]) as BenchName[];
const unknown = only.filter((n) => !BENCH_NAMES.includes(n));
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(", ")}\n${USAGE}`);
  process.exit(2);
}
const portBase = Number(process.env.EMULATOR_PORT_BASE ?? 9300);
if (!Number.isInteger(portBase) || portBase < 1024 || portBase > 65000) {
  console.error(`EMULATOR_PORT_BASE=${process.env.EMULATOR_PORT_BASE}: expected a port number from 1024 to 65000`);
  process.exit(2);
}
const sizes = values.smoke ? SMOKE_SIZES : FULL_SIZES;
const startedAt = new Date();
const load = loadavg()[0]!;
const details: BenchDetails = {};
const errors: Partial<Record<BenchName, string>> = {};
const step = async (name: BenchName, what: string, run: () => Promise<void>) => {
  if (!only.includes(name)) return;
  const started = Date.now();
  console.error(`${what}...`);
  try {
    await run();
    console.error(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    errors[name] = error instanceof Error ? error.message : String(error);
    console.error(`  FAILED: ${errors[name]}`);
  }
};

const needsBundle = only.some((n) => n === "cold_start" || EMULATOR_BENCHES.includes(n));
if (needsBundle && !values["no-build"]) {
  // The admission queue paces at the benchmark's limit (rows per second = rpm / 60 / calls per row), set at build time.
  const pace = benchRowsPerSecond(sizes.batch_throughput);
  const env = { ...process.env, ...(pace !== undefined ? { BATCH_MAX_DISPATCHES_PER_SECOND: String(pace) } : {}) };
  const build = spawnSync(process.execPath, [join(REPO_ROOT, "scripts", "build.mjs"), "--emulator"], {
    cwd: REPO_ROOT,
    env,
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (build.status !== 0) {
    console.error("bench: the build failed (above); the cold-start and emulator benchmarks need functions/lib/index.js");
    process.exit(1);
  }
}
await step(
  "engine_overhead",
  "1. engine overhead",
  async () => void (details.engine_overhead = await measureEngineOverhead(sizes.engine_overhead)),
);
await step("cold_start", "5. cold start", async () => void (details.cold_start = await measureColdStart(sizes.cold_start)));
if (only.some((n) => EMULATOR_BENCHES.includes(n))) {
  console.error(`2-4, 6, 7. emulator benchmarks (ports ${portBase}-${portBase + 5}; emulator log: ${EMULATOR_LOG})...`);
  const emulator = await runEmulatorBenches({ portBase, smoke: values.smoke, only });
  Object.assign(details, emulator.details);
  Object.assign(errors, emulator.errors);
}

const figures = figuresOf(details);
const goals = judgeGoals(figures);
const cpu = cpus()[0];
const results = {
  started_at: startedAt.toISOString(),
  duration_seconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
  sizes: values.smoke ? "smoke" : "full",
  machine: {
    node: process.version,
    platform: `${process.platform} ${release()}`,
    cpu: cpu?.model ?? "unknown",
    cores: availableParallelism(),
    memory_gib: Math.round(totalmem() / 2 ** 30),
    load_average_1m_at_start: Math.round(load * 100) / 100,
  },
  figures,
  goals,
  details,
  errors,
  options: Object.fromEntries(only.map((n) => [n, sizes[n]])),
};
mkdirSync(join(REPO_ROOT, "bench", "results"), { recursive: true });
writeFileSync(join(REPO_ROOT, "bench", "results", "latest.json"), `${JSON.stringify(results, null, 2)}\n`);

console.log(
  `\nbenchmarks (${results.sizes} sizes; node ${process.version}, ${results.machine.cores} cores, load ${results.machine.load_average_1m_at_start} at start)\n`,
);
console.log(formatTable(figures, goals, errors));
console.log(`\nwritten to bench/results/latest.json${values.smoke ? " (smoke sizes: the figures are not measurements)" : ""}`);
process.exitCode = Object.keys(errors).length ? 1 : 0;
