// `npm test`: type-check, unit suites, then build and the emulator suites, saying loudly whatever could not run.
// @ts-check
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { emulatorsAvailable } from "./emulator-env.mjs";
import { startStandinProcess } from "./standin-process.mjs";
import { runWithEmulators } from "./with-emulators.mjs";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (/** @type {string} */ name) => join(repoRoot, "node_modules", ".bin", process.platform === "win32" ? `${name}.cmd` : name);
// The emulators start in seconds; this only stops a wedged run (a hung prompt, a deadlocked suite) from hanging CI.
const EMULATOR_TIMEOUT_S = 1200;
// Another emulator session on this machine usually ends within a minute or two; after that, say which port and stop.
const PORT_WAIT_S = 180;
const USAGE = "usage: node scripts/test.mjs [--only-emulator]";

/**
 * The suites that need emulators. `emulator` (handler and rules tests) runs with Firestore alone, so that the
 * test process is the only thing reacting to its writes; `integration` runs real triggers, so it adds Functions
 * and a Gemini stand-in in its own process, whose URL the Functions workers inherit through GEMINI_BASE_URL, Auth,
 * whose signed-in users call the submitJob callable, and Cloud Tasks, the queue that admits a batch's runs.
 */
const EMULATOR_PHASES = [
  { project: "emulator", folder: "test/emulator", only: ["firestore"], standin: false },
  { project: "integration", folder: "test/integration", only: ["firestore", "functions", "auth", "tasks"], standin: true },
];

const args = process.argv.slice(2);
const badArg = args.find((arg) => arg !== "--only-emulator");
if (badArg) {
  console.error(`unknown argument ${badArg}; ${USAGE}`);
  process.exit(2);
}
const onlyEmulator = args.includes("--only-emulator");

/** @type {Array<{ name: string, status: "passed" | "FAILED" | "NOT RUN", note: string }>} */
const results = [];

// Each vitest stage also writes its counts as JSON, so the run can end on one "N passed, N failed" line.
const countsDir = mkdtempSync(join(tmpdir(), "npm-test-counts-"));
/** @param {string} stage */
const countReporter = (stage) => ["--reporter=default", "--reporter=json", `--outputFile.json=${join(countsDir, `${stage}.json`)}`];
function totalCounts() {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const file of readdirSync(countsDir)) {
    const report = JSON.parse(readFileSync(join(countsDir, file), "utf8"));
    passed += report.numPassedTests ?? 0;
    failed += report.numFailedTests ?? 0;
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  }
  return { passed, failed, skipped };
}
const seconds = (/** @type {number} */ since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** @param {string} title */
function header(title) {
  console.log(`\n=== ${title} ${"=".repeat(Math.max(3, 72 - title.length))}`);
}

/** @param {string} name @param {string} command @param {string[]} commandArgs */
function runStep(name, command, commandArgs) {
  header(name);
  const started = Date.now();
  const run = spawnSync(command, commandArgs, { cwd: repoRoot, stdio: "inherit" });
  const ok = run.status === 0;
  results.push({ name, status: ok ? "passed" : "FAILED", note: run.error ? `could not start ${command}: ${run.error.message}` : seconds(started) });
  return ok;
}

/** @param {string} folder */
function testFiles(folder) {
  try {
    return readdirSync(join(repoRoot, folder), { recursive: true })
      .map((file) => String(file).split("\\").join("/"))
      .filter((file) => file.endsWith(".test.ts"))
      .map((file) => `${folder}/${file}`)
      .sort();
  } catch {
    return [];
  }
}

/**
 * One line nobody can miss, on both streams (CI logs often show only one), and as an annotation on GitHub.
 * @param {string} line
 */
function shout(line) {
  const loud = Boolean(process.env.CI) && process.env.CI !== "false";
  const bar = "!".repeat(Math.min(line.length, 100));
  for (const stream of [process.stdout, process.stderr]) stream.write(loud ? `\n${bar}\n${line}\n${bar}\n\n` : `${line}\n`);
  if (process.env.GITHUB_ACTIONS === "true") console.log(`::warning title=Emulator suites not run::${line}`);
}


/** @param {typeof EMULATOR_PHASES[number]} phase @param {string[]} files */
async function runEmulatorPhase({ project, only, standin }, files) {
  const name = `${project} suites (${only.join(" + ")} emulator${only.length > 1 ? "s" : ""})`;
  header(name);
  const started = Date.now();
  let standinProcess;
  let code;
  try {
    // Never the real Gemini from a test run, even when the developer's shell has a key.
    /** @type {Record<string, string | undefined>} */
    const env = { GEMINI_API_KEY: undefined };
    if (standin) {
      standinProcess = await startStandinProcess();
      env.GEMINI_BASE_URL = standinProcess.url;
      console.log(`Gemini stand-in for the Functions workers: ${standinProcess.url}`);
    }
    code = await runWithEmulators([bin("vitest"), "run", "--project", project, ...countReporter(project)], { only, env, timeoutSeconds: EMULATOR_TIMEOUT_S, waitPortsSeconds: PORT_WAIT_S });
  } catch (error) {
    console.error(`${project} suites: ${error instanceof Error ? error.message : String(error)}`);
    code = 1;
  } finally {
    standinProcess?.stop();
  }
  const note = code === 124 ? `stopped after ${EMULATOR_TIMEOUT_S} s` : `${seconds(started)}, ${files.length} files`;
  results.push({ name, status: code === 0 ? "passed" : "FAILED", note });
}

if (!onlyEmulator) {
  runStep("type-check (tsc --noEmit -p .)", bin("tsc"), ["--noEmit", "-p", "."]);
  runStep("unit suites (vitest --project unit)", bin("vitest"), ["run", "--project", "unit", ...countReporter("unit")]);
}
const built = runStep("build (functions/lib/index.js)", process.execPath, [join(repoRoot, "scripts", "build.mjs"), "--emulator"]);

const phases = EMULATOR_PHASES.map((phase) => ({ phase, files: testFiles(phase.folder) })).filter(({ files }) => files.length);
const available = phases.length ? await emulatorsAvailable() : undefined;
let notRunLine;
if (available && !available.ok) {
  const suites = phases.flatMap(({ files }) => files);
  notRunLine = `!!! EMULATOR SUITES NOT RUN: ${available.reason} (suites: ${suites.join(", ")})`;
  header("emulator suites");
  shout(notRunLine);
  // Not a failure: a machine without Java still checks everything else, but it must never read as a pass.
  for (const { phase } of phases) results.push({ name: `${phase.project} suites`, status: "NOT RUN", note: "no Firestore emulator here" });
} else {
  for (const { phase, files } of phases) {
    if (built) await runEmulatorPhase(phase, files);
    else results.push({ name: `${phase.project} suites`, status: "FAILED", note: "not run: the build failed" });
  }
}

header("summary");
for (const { name, status, note } of results) console.log(`${status.padEnd(8)} ${name} (${note})`);
const failed = results.some((result) => result.status === "FAILED");
console.log(`npm test: ${results.map((r) => `${r.name.split(" (")[0]} ${r.status}`).join(", ")} -> exit ${failed ? 1 : 0}`);
if (notRunLine) shout(notRunLine); // again at the end, where people look
const counts = totalCounts();
rmSync(countsDir, { recursive: true, force: true });
// A stage that failed without a failing test (type-check, build, an emulator that would not start) still counts.
const unexplained = failed && counts.failed === 0 ? 1 : 0;
console.log(`${counts.passed} passed, ${counts.failed + unexplained} failed${counts.skipped ? `, ${counts.skipped} skipped` : ""}`);
process.exitCode = failed ? 1 : 0;
