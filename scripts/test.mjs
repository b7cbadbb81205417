// `npm test`: format check, lint, type-check, unit suites, then build and the emulator suites, saying loudly whatever could not run.
// @ts-check
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
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
const USAGE = "usage: node scripts/test.mjs [--only-emulator | --only-e2e [--update-screenshots]]";
/** The browser the e2e suite drives: Debian's chromium package (playwright-core downloads none). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** The screenshots the README shows: `npm run screenshots` copies them from the e2e run to docs/screenshots/. */
const DOC_SCREENSHOTS = ["batches", "batch-rows", "job", "submit-invalid"];

/** Why a stage skips tests on purpose; a skip in any other stage is called out as unexplained. */
const SKIP_REASONS = /** @type {Record<string, string>} */ ({
  e2e: 'the "with App Check enforced" tests, which run in the e2e-app-check session (its functions enforce App Check)',
  "e2e-app-check": 'every e2e test but those "with App Check enforced", which ran in the e2e session',
});
/**
 * The suites that need emulators. `emulator` (handler and rules tests) runs with Firestore alone, so that the
 * test process is the only thing reacting to its writes; `integration` runs real triggers, so it adds Functions
 * and a Gemini stand-in in its own process, whose URL the Functions workers inherit through GEMINI_BASE_URL, Auth,
 * whose signed-in users call the submitJob callable, and Cloud Tasks, the queue that admits a batch's runs. `e2e`
 * adds Hosting, which serves the results page (web/dist) to headless Chromium. `user-path` (`plain`) is run outside any
 * session of ours: it installs a clean copy of the repository and starts the plain Firebase CLI there itself.
 * `e2e` then runs once more, only its tests named "with App Check enforced", in a session whose functions enforce App
 * Check (ENFORCE_APP_CHECK=true, read when the Functions emulator's workers load the functions): the page's own submit
 * works and a call without a token is refused. One more short session, not the whole suite twice.
 * @type {Array<{ project: string, folder: string, only: string[], standin: boolean, plain: boolean, env?: Record<string, string>, testNamePattern?: string, label?: string }>}
 */
const EMULATOR_PHASES = [
  { project: "emulator", folder: "test/emulator", only: ["firestore"], standin: false, plain: false },
  // Provider batch mode's collector every second, sending what it finds (test/integration/provider-batch.test.ts).
  {
    project: "integration",
    folder: "test/integration",
    only: ["firestore", "functions", "auth", "tasks"],
    standin: true,
    plain: false,
    env: { BATCH_POLL_SECONDS: "1", BATCH_GROUP_WINDOW_SECONDS: "0" },
  },
  { project: "e2e", folder: "test/e2e", only: ["firestore", "functions", "auth", "tasks", "hosting"], standin: true, plain: false },
  {
    project: "e2e",
    folder: "test/e2e",
    only: ["firestore", "functions", "auth", "tasks", "hosting"],
    standin: true,
    plain: false,
    env: { ENFORCE_APP_CHECK: "true" },
    testNamePattern: "with App Check enforced",
    label: "e2e-app-check",
  },
  { project: "user-path", folder: "test/user-path", only: [], standin: false, plain: true },
];

const args = process.argv.slice(2);
const badArg = args.find((arg) => !["--only-emulator", "--only-e2e", "--update-screenshots"].includes(arg));
if (badArg || (args.includes("--update-screenshots") && !args.includes("--only-e2e"))) {
  console.error(`${badArg ? `unknown argument ${badArg}` : "--update-screenshots goes with --only-e2e"}; ${USAGE}`);
  process.exit(2);
}
const onlyE2e = args.includes("--only-e2e");
const onlyEmulator = args.includes("--only-emulator") || onlyE2e;
const updateScreenshots = args.includes("--update-screenshots");

/** @type {Array<{ name: string, status: "passed" | "FAILED" | "NOT RUN", note: string }>} */
const results = [];

// Each vitest stage also writes its counts as JSON, so the run can end on one "N passed, N failed" line.
const countsDir = mkdtempSync(join(tmpdir(), "npm-test-counts-"));
/** @param {string} stage */
const countReporter = (stage) => ["--reporter=default", "--reporter=json", `--outputFile.json=${join(countsDir, `${stage}.json`)}`];
/** A JSON file's value, unknown until the caller says what it holds. */
const readJson = (/** @type {string} */ path) => /** @type {unknown} */ (JSON.parse(readFileSync(path, "utf8")));

function totalCounts() {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  /** @type {Record<string, number>} */
  const skippedBy = {};
  for (const file of readdirSync(countsDir)) {
    const report = /** @type {{ numPassedTests?: number, numFailedTests?: number, numPendingTests?: number, numTodoTests?: number }} */ (
      readJson(join(countsDir, file))
    );
    passed += report.numPassedTests ?? 0;
    failed += report.numFailedTests ?? 0;
    const stageSkipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    skipped += stageSkipped;
    if (stageSkipped) skippedBy[file.replace(/\.json$/, "")] = stageSkipped;
  }
  return { passed, failed, skipped, skippedBy };
}
/** @param {string | undefined} text first line of a message, at most 300 characters */
const firstLine = (text) => (text ?? "").split("\n", 1)[0]?.slice(0, 300) ?? "";

/**
 * The failing tests, one line each (file › test: first line of the error), for the summary CI logs end on.
 * @returns {string[]}
 */
function failedTests() {
  const lines = [];
  for (const file of readdirSync(countsDir)) {
    const report =
      /** @type {{ testResults?: Array<{ name?: string, status?: string, message?: string, assertionResults?: Array<{ status?: string, fullName?: string, title?: string, failureMessages?: string[] }> }> }} */ (
        readJson(join(countsDir, file))
      );
    for (const suite of report.testResults ?? []) {
      const where = relative(repoRoot, suite.name ?? "");
      const failedAssertions = (suite.assertionResults ?? []).filter((test) => test.status === "failed");
      for (const test of failedAssertions) lines.push(`${where} › ${test.fullName ?? test.title}: ${firstLine(test.failureMessages?.[0])}`);
      // A file that failed to load has no failed test, only a message.
      if (suite.status === "failed" && !failedAssertions.length) lines.push(`${where}: ${firstLine(suite.message)}`);
    }
  }
  return lines;
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
  results.push({
    name,
    status: ok ? "passed" : "FAILED",
    note: run.error ? `could not start ${command}: ${run.error.message}` : seconds(started),
  });
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
  if (process.env.GITHUB_ACTIONS === "true") console.log(`::warning title=Suites not run::${line}`);
}

/** Copies the README's screenshots from this run's e2e screenshots (.runs/e2e) to docs/screenshots. */
function copyDocScreenshots() {
  const into = join(repoRoot, "docs", "screenshots");
  mkdirSync(into, { recursive: true });
  for (const name of DOC_SCREENSHOTS) copyFileSync(join(repoRoot, ".runs", "e2e", `${name}.png`), join(into, `${name}.png`));
  console.log(`updated ${DOC_SCREENSHOTS.map((name) => `docs/screenshots/${name}.png`).join(", ")}`);
}

/** @param {typeof EMULATOR_PHASES[number]} phase @param {string[]} files */
async function runEmulatorPhase({ project, only, standin, plain, env: phaseEnv = {}, testNamePattern, label = project }, files) {
  if (plain) {
    runStep(`${project} suites (a clean install, then the plain Firebase CLI; ${files.length} files)`, bin("vitest"), [
      "run",
      "--project",
      project,
      ...countReporter(project),
    ]);
    return;
  }
  const enforced = Object.entries(phaseEnv).map(([key, value]) => `${key}=${value}`);
  const name = `${label} suites (${only.join(" + ")} emulator${only.length > 1 ? "s" : ""}${enforced.length ? `; ${enforced.join(" ")}` : ""})`;
  header(name);
  const started = Date.now();
  let standinProcess;
  let code;
  try {
    // Never a real model from a test run, even when the developer's shell has keys.
    /** @type {Record<string, string | undefined>} */
    const env = { GEMINI_API_KEY: undefined, ANTHROPIC_API_KEY: undefined, OPENAI_API_KEY: undefined, ...phaseEnv };
    if (standin) {
      standinProcess = await startStandinProcess();
      // One stand-in speaks every provider's protocol: Gemini, Vertex AI, Anthropic, OpenAI-compatible.
      Object.assign(env, {
        GEMINI_BASE_URL: standinProcess.url,
        ANTHROPIC_BASE_URL: standinProcess.url,
        VERTEX_BASE_URL: standinProcess.url,
        OPENAI_BASE_URL: `${standinProcess.url}/v1`,
      });
      console.log(`Model stand-in for the Functions workers: ${standinProcess.url}`);
    }
    const nameFilter = testNamePattern ? ["--testNamePattern", testNamePattern] : [];
    code = await runWithEmulators([bin("vitest"), "run", "--project", project, ...nameFilter, ...countReporter(label)], {
      only,
      env,
      timeoutSeconds: EMULATOR_TIMEOUT_S,
      waitPortsSeconds: PORT_WAIT_S,
    });
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
  // Layout is the formatter's: a file it would change fails the run (`npm run format` rewrites them).
  runStep("format check (prettier --check .)", bin("prettier"), ["--check", "--log-level", "warn", "."]);
  // typescript-eslint's type-aware rules, no import cycle, no product function over 60 lines (eslint.config.mjs).
  runStep("lint (eslint .)", bin("eslint"), ["."]);
  runStep("type-check (tsc --noEmit -p .)", bin("tsc"), ["--noEmit", "-p", "."]);
  runStep("type-check of the page (tsc --noEmit -p web, DOM lib)", bin("tsc"), ["--noEmit", "-p", "web"]);
  runStep("unit suites (vitest --project unit)", bin("vitest"), ["run", "--project", "unit", ...countReporter("unit")]);
}
const builtFunctions = runStep("build (functions/lib/index.js)", process.execPath, [join(repoRoot, "scripts", "build.mjs"), "--emulator"]);
const built = runStep("build (web/dist, the results page)", bin("vite"), ["build", "web"]) && builtFunctions;

const phases = EMULATOR_PHASES.filter((phase) => !onlyE2e || phase.project === "e2e")
  .map((phase) => ({ phase, files: testFiles(phase.folder) }))
  .filter(({ files }) => files.length);
const available = phases.length ? emulatorsAvailable() : undefined;
/** @type {string[]} */
const notRunLines = [];
if (available && !available.ok) {
  const suites = phases.flatMap(({ files }) => files);
  const notRunLine = `!!! EMULATOR SUITES NOT RUN: ${available.reason} (suites: ${suites.join(", ")})`;
  notRunLines.push(notRunLine);
  header("emulator suites");
  shout(notRunLine);
  // Not a failure: a machine without Java still checks everything else, but it must never read as a pass.
  for (const { phase } of phases)
    results.push({ name: `${phase.label ?? phase.project} suites`, status: "NOT RUN", note: "no Firestore emulator here" });
} else {
  for (const { phase, files } of phases) {
    if (!built) results.push({ name: `${phase.label ?? phase.project} suites`, status: "FAILED", note: "not run: the build failed" });
    else if (phase.project === "e2e" && !existsSync(CHROMIUM)) {
      // Like a missing emulator: everything else still runs, and the missing browser is impossible to miss.
      const line = `!!! E2E SUITE NOT RUN: no browser at ${CHROMIUM} (install Debian's chromium: apt-get install chromium; or set CHROMIUM_PATH) (suites: ${files.join(", ")})`;
      header(`${phase.project} suites`);
      shout(line);
      notRunLines.push(line);
      results.push({ name: `${phase.label ?? phase.project} suites`, status: "NOT RUN", note: "no chromium here" });
    } else {
      await runEmulatorPhase(phase, files);
      const wholeE2e = phase.project === "e2e" && !phase.testNamePattern;
      if (wholeE2e && updateScreenshots && results.at(-1)?.status === "passed") copyDocScreenshots();
    }
  }
}

header("summary");
for (const { name, status, note } of results) console.log(`${status.padEnd(8)} ${name} (${note})`);
// --update-screenshots exists to write them: a run that could not is a failure, not a skip.
const failed = results.some((result) => result.status === "FAILED" || (updateScreenshots && result.status === "NOT RUN"));
console.log(`npm test: ${results.map((r) => `${r.name.split(" (")[0]} ${r.status}`).join(", ")} -> exit ${failed ? 1 : 0}`);
for (const line of notRunLines) shout(line); // again at the end, where people look
const counts = totalCounts();
for (const line of failedTests()) console.log(`FAILED TEST ${line}`);
rmSync(countsDir, { recursive: true, force: true });
// A stage that failed without a failing test (type-check, build, an emulator that would not start) still counts.
const unexplained = failed && counts.failed === 0 ? 1 : 0;
for (const [stage, n] of Object.entries(counts.skippedBy)) {
  const why = SKIP_REASONS[stage];
  if (why) console.log(`${n} skipped in ${stage}: ${why}`);
  else shout(`${n} test(s) skipped in ${stage} with no reason given: find the skip and say why, or remove it`);
}
console.log(`${counts.passed} passed, ${counts.failed + unexplained} failed${counts.skipped ? `, ${counts.skipped} skipped` : ""}`);
process.exitCode = failed ? 1 : 0;
