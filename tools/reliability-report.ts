// `npm run reliability`: runs the bad-input and fault-injection suites and the soak on the emulators, then writes docs/reliability.md from their results.
import { spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, type WriteStream } from "node:fs";
import { cpus, homedir, tmpdir, totalmem } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { emulatorsAvailable } from "../scripts/emulator-env.mjs";
import { runWithEmulators } from "../scripts/with-emulators.mjs";
import { loadReportInputs, readPolicyFacts, renderReliabilityReport, scrubPaths } from "./render-reliability-report";
import { RESULT_FILES, type RunRecord } from "./reliability-results";
import { startStandinProcess } from "../scripts/standin-process.mjs";
import { FIREBASE_LINE } from "./local-stack";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const COMMAND = "npm run reliability";
const DEFAULT_OUT = "docs/reliability.md";
/** Kept after the run (gitignored), so that `--render-only` can redraw the report and a failure can be read. */
const DEFAULT_RESULTS = ".runs/reliability";
/** Long runs take their own emulator ports, clear of `npm test` and `npm run emulators` on the defaults. */
const DEFAULT_PORT_BASE = "9200";
const SUITES_TIMEOUT_S = 1200;
const SOAK_BOUND_S = 480;
/** Emulator start-up and shutdown around the soak's own bound. */
const SOAK_SESSION_MARGIN_S = 240;
const PORT_WAIT_S = 180;

/**
 * The soak's policy for the Functions workers. A 50 ms base delay keeps the run short (the deployed one is
 * 200 ms); the lease and run budget are shortened from 600 s / 480 s so that a task whose run never came is
 * taken over by the sweep within the soak's bound, and stay far above a soak task's few seconds.
 */
const SOAK_POLICY_ENV = { RETRY_BASE_DELAY_MS: "50", TASK_LEASE_MS: "120000", TASK_RUN_BUDGET_MS: "100000" };

const USAGE = `Usage: ${COMMAND} -- [options]

Runs, on the Firestore (and Functions) emulators, the emulator suites that write result rows (those
reading RELIABILITY_RESULTS_DIR: bad-input, reliability, secrets), then the soak (bench/soak.ts:
200 jobs of 3 tasks through the real triggers against a faulty, rate-limited Gemini stand-in), and
writes ${DEFAULT_OUT} from their results. Takes several minutes. Exits 1 when anything failed; the
report is written either way and says what failed.

Options:
  --jobs N          soak jobs (default 200; fewer for a quick try, with --out elsewhere)
  --skip-suites     run only the soak (the report then lacks the suites' tables)
  --skip-soak       run only the suites
  --results DIR     where the result files go (default ${DEFAULT_RESULTS}, cleared first)
  --render-only     only redraw the report from the result files already in --results
  --out FILE        the report to write (default ${DEFAULT_OUT})
  -h, --help        show this help

Emulator ports: EMULATOR_PORT_BASE (default ${DEFAULT_PORT_BASE} here; set it empty for firebase.json's ports).`;

interface DriverOptions {
  jobs: number | undefined;
  skipSuites: boolean;
  skipSoak: boolean;
  renderOnly: boolean;
  results: string;
  out: string;
}

function parseDriverArgs(argv: string[]): DriverOptions | "help" {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      jobs: { type: "string" },
      "skip-suites": { type: "boolean" },
      "skip-soak": { type: "boolean" },
      results: { type: "string" },
      "render-only": { type: "boolean" },
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  const jobs = values.jobs === undefined ? undefined : Number(values.jobs);
  if (jobs !== undefined && !(Number.isInteger(jobs) && jobs > 0))
    throw new Error(`--jobs ${values.jobs}: expected a whole number above 0`);
  if (values["skip-suites"] && values["skip-soak"])
    throw new Error("--skip-suites and --skip-soak together leave nothing to run; use --render-only to redraw the report");
  return {
    jobs,
    skipSuites: values["skip-suites"] ?? false,
    skipSoak: values["skip-soak"] ?? false,
    renderOnly: values["render-only"] ?? false,
    results: resolve(repoRoot, values.results ?? DEFAULT_RESULTS),
    out: resolve(repoRoot, values.out ?? DEFAULT_OUT),
  };
}

const bin = (name: string) => join(repoRoot, "node_modules", ".bin", process.platform === "win32" ? `${name}.cmd` : name);
const shown = (path: string) => relative(repoRoot, path) || ".";

function header(title: string): void {
  console.log(`\n=== ${title} ${"=".repeat(Math.max(3, 72 - title.length))}`);
}

function echoTo(log: WriteStream) {
  return (line: string, stream: "stdout" | "stderr") => {
    log.write(`${line}\n`);
    if (!FIREBASE_LINE.test(line)) (stream === "stderr" ? process.stderr : process.stdout).write(`${line}\n`);
  };
}

/** The vitest counts from its JSON reporter's file, when it wrote one. */
function vitestCounts(file: string): RunRecord["phases"][number]["tests"] {
  if (!existsSync(file)) return undefined;
  const report = JSON.parse(readFileSync(file, "utf8")) as Record<string, number | undefined>;
  return {
    passed: report.numPassedTests ?? 0,
    failed: report.numFailedTests ?? 0,
    skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
  };
}

/** The emulator suites that write result rows: every test/emulator file that reads RELIABILITY_RESULTS_DIR. */
function suiteFiles(): string[] {
  const dir = join(repoRoot, "test", "emulator");
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".test.ts") && readFileSync(join(dir, f), "utf8").includes("RELIABILITY_RESULTS_DIR"))
    .sort();
  if (!files.includes("bad-input.test.ts"))
    throw new Error("test/emulator/bad-input.test.ts is missing or no longer writes RELIABILITY_RESULTS_DIR: the bad-input table needs it");
  return files.map((f) => `test/emulator/${f}`);
}

/** How one phase ended: the command's exit code, vitest's counts when it wrote them, and what went wrong. */
interface PhaseResult {
  exitCode: number;
  tests?: RunRecord["phases"][number]["tests"];
  note?: string;
}

/** Variables for an emulator session; an undefined value removes one. */
type SessionEnv = Record<string, string | undefined>;

async function runPhases(options: DriverOptions, run: RunRecord): Promise<void> {
  const portBase = process.env.EMULATOR_PORT_BASE ?? DEFAULT_PORT_BASE;
  // Never the real Gemini from a reliability run, even when the shell has a key.
  const common = { GEMINI_API_KEY: undefined, EMULATOR_PORT_BASE: portBase, RELIABILITY_RESULTS_DIR: options.results };
  const log = createWriteStream(join(options.results, "emulators.log"));
  try {
    await recordPhase(run, "build (functions/lib/index.js)", buildFunctions);
    if (run.phases.at(-1)?.exitCode !== 0) return;
    if (!options.skipSuites) {
      await recordPhase(run, "bad-input and fault-injection suites (Firestore emulator)", () => runSuites(options.results, common, log));
    }
    if (!options.skipSoak) {
      await recordPhase(run, `soak (Firestore + Functions emulators, ${options.jobs ?? 200} jobs)`, () =>
        runSoak(options.jobs, common, log),
      );
    }
  } finally {
    await new Promise((done) => log.end(done));
  }
}

/** Runs one phase under its header and adds it to `run`; a phase that throws is recorded as failed, with the message. */
async function recordPhase(run: RunRecord, name: string, body: () => PhaseResult | Promise<PhaseResult>): Promise<void> {
  header(name);
  const started = Date.now();
  let result: PhaseResult;
  try {
    result = await body();
  } catch (err) {
    result = { exitCode: 1, note: (err as Error).message };
    console.error(`${name}: ${(err as Error).message}`);
  }
  run.phases.push({
    name,
    exitCode: result.exitCode,
    seconds: (Date.now() - started) / 1000,
    ...(result.tests ? { tests: result.tests } : {}),
    ...(result.note ? { note: result.note } : {}),
  });
}

function buildFunctions(): PhaseResult {
  const build = spawnSync(process.execPath, [join(repoRoot, "scripts", "build.mjs")], { cwd: repoRoot, stdio: "inherit" });
  return { exitCode: build.status ?? 1 };
}

/** The suites in one Firestore emulator session, their counts from vitest's JSON reporter. */
async function runSuites(results: string, env: SessionEnv, log: WriteStream): Promise<PhaseResult> {
  const files = suiteFiles();
  const countsFile = join(results, "vitest-suites.json");
  const command = [
    bin("vitest"),
    "run",
    "--project",
    "emulator",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${countsFile}`,
    ...files,
  ];
  console.log(`suites: ${files.join(", ")}`);
  const exitCode = await runWithEmulators(command, {
    only: ["firestore"],
    env,
    timeoutSeconds: SUITES_TIMEOUT_S,
    waitPortsSeconds: PORT_WAIT_S,
    onOutput: echoTo(log),
  });
  const tests = vitestCounts(countsFile);
  return { exitCode, ...(tests ? { tests } : {}), ...(exitCode === 124 ? { note: `stopped after ${SUITES_TIMEOUT_S} s` } : {}) };
}

/** The soak in a Firestore + Functions emulator session, its workers and itself calling a Gemini stand-in of its own. */
async function runSoak(jobs: number | undefined, common: SessionEnv, log: WriteStream): Promise<PhaseResult> {
  const standin = await startStandinProcess();
  try {
    console.log(`Gemini stand-in for the Functions workers and the soak: ${standin.url}`);
    const command = [bin("tsx"), "bench/soak.ts", "--timeout-s", String(SOAK_BOUND_S), ...(jobs ? ["--jobs", String(jobs)] : [])];
    const env = { ...common, ...SOAK_POLICY_ENV, GEMINI_BASE_URL: standin.url };
    const exitCode = await runWithEmulators(command, {
      env,
      timeoutSeconds: SOAK_BOUND_S + SOAK_SESSION_MARGIN_S,
      waitPortsSeconds: PORT_WAIT_S,
      onOutput: echoTo(log),
    });
    return {
      exitCode,
      ...(exitCode === 124 ? { note: `the emulator session was stopped after ${SOAK_BOUND_S + SOAK_SESSION_MARGIN_S} s` } : {}),
    };
  } finally {
    standin.stop();
  }
}

function render(options: DriverOptions): void {
  const inputs = loadReportInputs(options.results, readPolicyFacts(repoRoot), COMMAND);
  const text = scrubPaths(renderReliabilityReport(inputs), [repoRoot, options.results, tmpdir(), homedir()]);
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, text);
  console.log(`wrote ${shown(options.out)} from the results in ${shown(options.results)}`);
}

async function main(): Promise<number> {
  const options = parseDriverArgs(process.argv.slice(2));
  if (options === "help") {
    console.log(USAGE);
    return 0;
  }
  if (options.renderOnly) {
    render(options);
    return 0;
  }
  const available = emulatorsAvailable();
  if (!available.ok) {
    console.error(
      `reliability: the emulators cannot start on this machine, so nothing was measured and ${DEFAULT_OUT} is unchanged: ${available.reason}`,
    );
    return 1;
  }
  mkdirSync(options.results, { recursive: true });
  for (const file of [...Object.values(RESULT_FILES), "vitest-suites.json", "emulators.log"])
    rmSync(join(options.results, file), { force: true });
  const run: RunRecord = {
    startedAt: new Date().toISOString(),
    node: process.versions.node,
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    platform: process.platform,
    phases: [],
  };
  await runPhases(options, run);
  writeFileSync(join(options.results, RESULT_FILES.run), `${JSON.stringify(run, null, 2)}\n`);

  header("report");
  render(options);
  const failed = run.phases.filter((p) => p.exitCode !== 0);
  for (const p of run.phases) console.log(`${p.exitCode === 0 ? "passed" : "FAILED"}  ${p.name} (${Math.round(p.seconds)} s)`);
  console.log(
    `reliability: ${failed.length ? `${failed.length} phase(s) FAILED` : "every phase passed"}; emulator log: ${shown(join(options.results, "emulators.log"))}`,
  );
  return failed.length ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`reliability: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 2;
  },
);
