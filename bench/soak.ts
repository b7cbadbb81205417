// The soak run: hundreds of three-task jobs through the real triggers while the stand-in injects faults and rate-limits; nothing may be lost.
//
// Runs INSIDE a Firestore + Functions emulator session whose Functions workers call the Gemini stand-in at
// GEMINI_BASE_URL (`npm run reliability` sets all of that up). Each job is created `queued`, so the jobs
// trigger starts it and each task's trigger commits the next. Jobs are released a bounded number at a time:
// the Functions emulator starts one worker process per concurrent event, and a small machine cannot host
// hundreds. Afterwards every job, task and output document is counted and checked; the figures go to
// soak.json in RELIABILITY_RESULTS_DIR (else the OS temp folder). Exits 1 when any check fails.
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Firestore } from "firebase-admin/firestore";
import { watchJob, type JobEnd } from "../local/client/watch-job";
import { DEFAULT_RETRY, type RetryPolicy } from "../shared/models/retry";
import { createPipelineRuntime } from "../shared/pipeline/create-pipeline-deps";
import type { PipelineDeps } from "../shared/pipeline/pipeline-deps";
import { sweepStuckWork } from "../shared/pipeline/sweep-stuck-work";
import { STANDIN_API_KEY } from "../shared/runtime/create-runtime";
import type { StandinStats } from "../local/standin/standin-server";
import { RESULT_FILES, type SoakCheck, type SoakResult } from "../tools/reliability-results";

const USAGE = `Usage: tsx bench/soak.ts [--jobs N] [--in-flight N] [--timeout-s S] [--rpm N] [--latency-ms N] [--seed N]

Run inside the emulators with a stand-in: npm run reliability (or npm run reliability -- --skip-suites).
  --jobs N         jobs of three one-step tasks (default 200)
  --in-flight N    jobs running at once (default 24)
  --timeout-s S    stop and fail after S seconds (default 480)
  --rpm N          the stand-in's rate limit, requests per minute (default 300)
  --latency-ms N   added to every stand-in answer (default 50)
  --seed N         seed of the stand-in's fault dice (default 7)
  --sweep-every-s S  run the lease sweep every S seconds, as the scheduled sweepTasks would (default 15)

The Functions workers and this process read the same policy environment (RETRY_*, TASK_LEASE_MS, ...).`;

/** 10% retryable faults: 8% server errors (retried on the attempt budget), 2% throttling (its own budget). */
const SOAK_FAULTS = { "500": 0.04, "503": 0.04, "429": 0.02 } as const;
const TASKS_PER_JOB = 3;
const PROGRESS_EVERY_MS = 10_000;
/** A job not started by the trigger within this long means no Functions emulator is serving. */
const FIRST_START_TIMEOUT_MS = 60_000;

interface SoakOptions {
  jobs: number;
  inFlight: number;
  timeoutS: number;
  rpm: number;
  latencyMs: number;
  seed: number;
  sweepEveryS: number;
}

function parseOptions(argv: string[]): SoakOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      jobs: { type: "string" },
      "in-flight": { type: "string" },
      "timeout-s": { type: "string" },
      rpm: { type: "string" },
      "latency-ms": { type: "string" },
      seed: { type: "string" },
      "sweep-every-s": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const whole = (flag: string, raw: string | undefined, fallback: number, min: number) => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min)
      throw new Error(`--${flag} ${raw}: expected a whole number of at least ${min}\n\n${USAGE}`);
    return value;
  };
  return {
    jobs: whole("jobs", values.jobs, 200, 1),
    inFlight: whole("in-flight", values["in-flight"], 24, 1),
    timeoutS: whole("timeout-s", values["timeout-s"], 480, 10),
    rpm: whole("rpm", values.rpm, 300, 0),
    latencyMs: whole("latency-ms", values["latency-ms"], 50, 0),
    seed: whole("seed", values.seed, 7, 0),
    sweepEveryS: whole("sweep-every-s", values["sweep-every-s"], 15, 1),
  };
}

/** A one-step task whose step answers `prompt` and hands the answer on as `output`. */
function oneStepTask(taskId: string, prompt: string, inputs: Record<string, string>, output: string, nextTask: string) {
  return {
    task_id: taskId,
    input_config: { payload: inputs },
    steps: [
      {
        id: `${taskId}-step`,
        name: taskId,
        step_type: 0,
        input_config: { payload: Object.fromEntries(Object.keys(inputs).map((name) => [name, ""])) },
        model_query_config: { model_key: "GEMINI_FLASH", parameters: { temperature: "0.0" }, system_prompt: "", user_prompt: prompt },
        output_config: { payload: { [output]: "" } },
      },
    ],
    output_config: { payload: { [output]: "" } },
    next_task: nextTask,
  };
}

/** draft -> review -> final: each task's answer is the next one's input, so the topic reaches the last output. */
function soakJob(jobId: string, topic: string) {
  return {
    job_id: jobId,
    status: "queued",
    task_config: oneStepTask("draft", "Write one line about %topic%.", { topic }, "draft", "review"),
    task_configs: [
      oneStepTask("review", "Review this line: %draft%", { draft: "" }, "review", "final"),
      oneStepTask("final", "Polish this review: %review%", { review: "" }, "final", ""),
    ],
    max_hops: TASKS_PER_JOB,
  };
}

async function standinCall<T>(baseUrl: string, route: string, body?: unknown): Promise<T> {
  const res = await fetch(
    `${baseUrl}/__standin/${route}`,
    body === undefined && route === "stats"
      ? {}
      : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body ?? {}) },
  );
  if (!res.ok) throw new Error(`the stand-in at ${baseUrl} answered ${res.status} to /__standin/${route}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** Fails fast, saying what to do, when no Functions emulator would ever start the jobs. */
async function requireFunctionsEmulator(): Promise<void> {
  const hub = process.env.FIREBASE_EMULATOR_HUB;
  if (!hub)
    throw new Error(
      "FIREBASE_EMULATOR_HUB is not set: run the soak through `npm run reliability`, which starts the Firestore and Functions emulators",
    );
  const res = await fetch(`http://${hub}/emulators`);
  const running = (await res.json()) as Record<string, unknown>;
  if (!running.functions)
    throw new Error(
      `the emulator session runs ${Object.keys(running).join(", ")} but not functions: nothing would start the jobs; run \`npm run reliability\``,
    );
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

function tally(values: Iterable<string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/** Every document of `collection` whose job_id starts with `prefix`. */
async function byJobPrefix(db: Firestore, collection: string, prefix: string) {
  const snap = await db.collection(collection).where("job_id", ">=", prefix).where("job_id", "<", `${prefix}\uf8ff`).get();
  return snap.docs;
}

const topicOf = (jobId: string) => `the soak topic ${jobId}`;

type SoakSettings = SoakResult["settings"];
type SoakCounts = SoakResult["counts"];

/** What the soak saw while the jobs ran: the release pool, the sweeper and the progress line share it. */
interface SoakRun {
  started: number;
  deadline: number;
  ends: JobEnd[];
  problems: string[];
  released: number;
  inFlight: number;
  maxInFlight: number;
  /** Why the soak stopped before every job ended, if it did. */
  stopReason?: string;
  /** Tasks the lease sweep took over. */
  swept: Set<string>;
  wallMs: number;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const standinUrl = await requireSoakEnvironment();
  const standin = await prepareStandin(standinUrl, options);
  // The same runtime the Functions workers build from this environment: its policy is theirs, and the sweep
  // below runs the very code of the scheduled sweepTasks function, which the emulator never fires.
  const { deps, runtime } = await createPipelineRuntime(process.env);
  const settings: SoakSettings = {
    jobs: options.jobs,
    tasksPerJob: TASKS_PER_JOB,
    inFlight: options.inFlight,
    timeoutS: options.timeoutS,
    standin,
    retry: retrySettings(deps.engine.retry ?? DEFAULT_RETRY),
    pipeline: {
      leaseMs: deps.policy.leaseMs,
      runBudgetMs: deps.policy.runBudgetMs,
      maxAttempts: deps.policy.maxAttempts,
      sweepEveryS: options.sweepEveryS,
    },
  };
  const db = deps.db;
  const prefix = `soak-${Date.now().toString(36)}-`;
  const jobIds = Array.from({ length: options.jobs }, (_, n) => `${prefix}${String(n + 1).padStart(4, "0")}`);
  logSoakStart(options, settings);

  const run = await runSoakJobs(deps, jobIds, options);
  console.log(`soak: all ${run.ends.length} watched jobs ended after ${seconds(run.wallMs)} s; counting documents`);

  // Count what is in Firestore, not what the watchers saw.
  const documents = await soakDocuments(db, prefix);
  const stats = await standinCall<StandinStats>(standinUrl, "stats");
  const { counts, claimedAgain } = tallySoak(documents, stats, run.swept);
  const checks = soakChecks(options, counts, claimedAgain, run, stats.rejected);
  const ok = checks.every((c) => c.ok);
  const result: SoakResult = {
    suite: "soak",
    generatedAt: new Date().toISOString(),
    ok,
    ...(run.stopReason ? { error: run.stopReason } : {}),
    settings,
    counts,
    timing: soakTiming(run, counts),
    checks,
  };
  const file = writeSoakResult(result);
  printSoakOutcome(result, run, file);
  await runtime.close();
  await db.terminate();
  return ok ? 0 : 1;
}

/** Throws, saying what to do, unless this process runs inside the emulators beside a shared stand-in; returns its URL. */
async function requireSoakEnvironment(): Promise<string> {
  if (!process.env.FIRESTORE_EMULATOR_HOST)
    throw new Error(
      "FIRESTORE_EMULATOR_HOST is not set: the soak writes hundreds of jobs and must run inside the emulators (`npm run reliability`)",
    );
  const standinUrl = process.env.GEMINI_BASE_URL;
  if (!standinUrl)
    throw new Error(
      "GEMINI_BASE_URL is not set: the Functions workers and the soak must share one Gemini stand-in (`npm run reliability` starts it)",
    );
  if (process.env.GEMINI_API_KEY && process.env.GEMINI_API_KEY !== STANDIN_API_KEY)
    throw new Error("GEMINI_API_KEY is set: the soak would spend real quota; unset it");
  await requireFunctionsEmulator();
  return standinUrl;
}

/** Sets the stand-in's knobs for the soak and zeroes it; returns the knobs for the result file. */
async function prepareStandin(standinUrl: string, options: SoakOptions): Promise<SoakSettings["standin"]> {
  const standin = { faults: { ...SOAK_FAULTS }, rpm: options.rpm, latencyMs: options.latencyMs, seed: options.seed, retryDelayMs: 100 };
  await standinCall(standinUrl, "config", { ...standin, script: [] });
  await standinCall(standinUrl, "reset"); // stats and the rate window start at zero, the dice at the seed
  return standin;
}

function retrySettings(engineRetry: RetryPolicy): SoakSettings["retry"] {
  return {
    maxAttempts: engineRetry.maxAttempts,
    baseDelayMs: engineRetry.baseDelayMs,
    maxDelayMs: engineRetry.maxDelayMs,
    maxThrottledAttempts: engineRetry.maxThrottledAttempts ?? 0,
  };
}

function logSoakStart(options: SoakOptions, { retry, pipeline }: SoakSettings): void {
  console.log(
    `soak: ${options.jobs} jobs x ${TASKS_PER_JOB} tasks, ${options.inFlight} in flight; stand-in faults ${JSON.stringify(SOAK_FAULTS)}, ` +
      `rpm ${options.rpm}, latency ${options.latencyMs} ms, seed ${options.seed}; retry ${JSON.stringify(retry)}; ` +
      `lease ${pipeline.leaseMs / 1000} s, run budget ${pipeline.runBudgetMs / 1000} s, sweep every ${options.sweepEveryS} s; bound ${options.timeoutS} s`,
  );
}

/** Releases every job, at most options.inFlight at once, while the sweep runs; resolves when all have ended or the bound passed. */
async function runSoakJobs(deps: PipelineDeps, jobIds: readonly string[], options: SoakOptions): Promise<SoakRun> {
  const started = Date.now();
  const run: SoakRun = {
    started,
    deadline: started + options.timeoutS * 1000,
    ends: [],
    problems: [],
    released: 0,
    inFlight: 0,
    maxInFlight: 0,
    swept: new Set(),
    wallMs: 0,
  };
  const progress = setInterval(() => logProgress(run, options.jobs), PROGRESS_EVERY_MS);
  const sweeper = startSweeper(deps, run, options.sweepEveryS);
  // One job alone first, so that a session without working triggers fails within a minute; then the pool.
  await releaseNextJob(deps.db, jobIds, options, run);
  await Promise.all(Array.from({ length: options.inFlight }, () => releaseJobsUntilDone(deps.db, jobIds, options, run)));
  await sweeper.stop(); // a take-over in progress ends before the documents are counted
  clearInterval(progress);
  run.wallMs = Date.now() - started;
  return run;
}

function logProgress(run: SoakRun, jobs: number): void {
  const ok = run.ends.filter((e) => e.status === "success").length;
  console.log(
    `soak: ${run.ends.length}/${jobs} jobs ended (${ok} success), ${run.inFlight} in flight, ${seconds(Date.now() - run.started)} s`,
  );
}

/** One worker of the pool: releases jobs one after another until none is left or the soak must stop. */
async function releaseJobsUntilDone(db: Firestore, jobIds: readonly string[], options: SoakOptions, run: SoakRun): Promise<void> {
  while (run.released < jobIds.length && !run.stopReason) {
    if (Date.now() >= run.deadline) {
      run.stopReason = `the soak passed its ${options.timeoutS} s bound with ${jobIds.length - run.released} jobs not yet released`;
      break;
    }
    await releaseNextJob(db, jobIds, options, run);
  }
}

/** Creates the next job and watches it to its end, recording the end or the problem. */
async function releaseNextJob(db: Firestore, jobIds: readonly string[], options: SoakOptions, run: SoakRun): Promise<void> {
  const first = run.released === 0;
  const jobId = jobIds[run.released]!;
  run.released++;
  run.inFlight++;
  run.maxInFlight = Math.max(run.maxInFlight, run.inFlight);
  try {
    await db.doc(`jobs/${jobId}`).create(soakJob(jobId, topicOf(jobId)));
    const left = run.deadline - Date.now();
    // The first job also proves the triggers are alive: a dead Functions emulator fails in a minute, not at the bound.
    const end = await watchJob(db, jobId, { timeoutMs: Math.max(1_000, first ? Math.min(left, FIRST_START_TIMEOUT_MS) : left) });
    run.ends.push(end);
    if (end.status !== "success") run.problems.push(`${jobId} ended ${end.status}: ${end.error?.code}: ${end.error?.message}`);
  } catch (err) {
    const message = (err as Error).message;
    run.problems.push(`${jobId}: ${message}`);
    if (/did not end within/.test(message)) {
      run.stopReason ??= first
        ? `the first job did not end within ${FIRST_START_TIMEOUT_MS / 1000} s: are the triggers running?`
        : `jobs were still running at the ${options.timeoutS} s bound`;
    }
  } finally {
    run.inFlight--;
  }
}

/** Runs the lease sweep every everyS seconds, as the scheduled sweepTasks would; stop() wakes it and waits for a sweep under way. */
function startSweeper(deps: PipelineDeps, run: SoakRun, everyS: number): { stop: () => Promise<void> } {
  let sweeping = true;
  let wake = () => {};
  const loop = (async () => {
    while (sweeping) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, everyS * 1000);
        wake = () => (clearTimeout(timer), resolve());
      });
      if (!sweeping) break;
      try {
        const result = await sweepStuckWork(deps);
        for (const id of result.expired) {
          run.swept.add(id);
          console.log(`soak: the sweep took over ${id} (running past its lease): ${result.outcomes[id]}`);
        }
      } catch (err) {
        run.problems.push(`the sweep failed: ${(err as Error).message}`);
      }
    }
  })();
  return {
    stop: () => {
      sweeping = false;
      wake();
      return loop;
    },
  };
}

type SoakDocs = Awaited<ReturnType<typeof byJobPrefix>>;
interface SoakDocuments {
  jobDocs: SoakDocs;
  taskDocs: SoakDocs;
  outputDocs: SoakDocs;
}

async function soakDocuments(db: Firestore, prefix: string): Promise<SoakDocuments> {
  const [jobDocs, taskDocs, outputDocs] = await Promise.all(["jobs", "tasks", "outputs"].map((c) => byJobPrefix(db, c, prefix)));
  return { jobDocs: jobDocs!, taskDocs: taskDocs!, outputDocs: outputDocs! };
}

/** The figures of the result file from the documents and the stand-in's stats; and which tasks were claimed more than once. */
function tallySoak({ jobDocs, taskDocs, outputDocs }: SoakDocuments, stats: StandinStats, swept: ReadonlySet<string>) {
  const taskIds = new Set(taskDocs.map((d) => d.id));
  const outputIds = tally(outputDocs.map((d) => d.id));
  const steps = outputDocs.flatMap((d) => (d.get("steps") as { attempts?: number }[] | undefined) ?? []);
  const attempts = steps.map((s) => s.attempts ?? 0);
  const { rate_limited: rateLimited = 0, ...faults } = stats.faults;
  const claimedAgain = taskDocs.filter((d) => Number(d.get("attempts") ?? 0) > 1).map((d) => d.id);
  const counts: SoakCounts = {
    jobsCreated: jobDocs.length,
    jobsByStatus: tally(jobDocs.map((d) => String(d.get("status")))),
    jobsWithPayloadThrough: jobDocs.filter((d) => String(d.get("output_payload.final") ?? "").includes(topicOf(d.id))).length,
    tasks: taskDocs.length,
    tasksByStatus: tally(taskDocs.map((d) => String(d.get("status") ?? "queued"))),
    taskClaims: taskDocs.reduce((sum, d) => sum + Number(d.get("attempts") ?? 0), 0),
    tasksClaimedAgain: claimedAgain.length,
    sweepTakeovers: swept.size,
    outputs: outputDocs.length,
    tasksWithOneOutput: [...taskIds].filter((id) => outputIds[id] === 1).length,
    outputsWithoutTask: Object.keys(outputIds).filter((id) => !taskIds.has(id)).length,
    modelRequests: stats.requests,
    modelAnswered: stats.answered,
    faults,
    rateLimited,
    attemptsRecorded: attempts.reduce((a, b) => a + b, 0),
    retriedCalls: attempts.filter((a) => a > 1).length,
    maxAttemptsPerCall: Math.max(0, ...attempts),
  };
  return { counts, claimedAgain };
}

const leftOpen = (counts: SoakCounts) => (counts.tasksByStatus.queued ?? 0) + (counts.tasksByStatus.running ?? 0);

function soakChecks(
  options: SoakOptions,
  counts: SoakCounts,
  claimedAgain: readonly string[],
  run: SoakRun,
  rejected: number,
): SoakCheck[] {
  const expectedTasks = options.jobs * TASKS_PER_JOB;
  const check = (name: string, expected: string | number, actual: string | number, ok: boolean): SoakCheck => ({
    name,
    expected: String(expected),
    actual: String(actual),
    ok,
  });
  const open = leftOpen(counts);
  const faultCount = Object.values(counts.faults).reduce((a, b) => a + b, 0);
  const { swept, stopReason, wallMs } = run;
  return [
    check(
      "every job ended success",
      `${options.jobs} of ${options.jobs}`,
      `${counts.jobsByStatus.success ?? 0} of ${counts.jobsCreated}`,
      counts.jobsCreated === options.jobs && counts.jobsByStatus.success === options.jobs,
    ),
    check(
      "every job's topic reached its last output (data went through all 3 hops)",
      options.jobs,
      counts.jobsWithPayloadThrough,
      counts.jobsWithPayloadThrough === options.jobs,
    ),
    check("tasks committed (3 per job, no fork, no duplicate)", expectedTasks, counts.tasks, counts.tasks === expectedTasks),
    check("tasks ended success", expectedTasks, counts.tasksByStatus.success ?? 0, counts.tasksByStatus.success === expectedTasks),
    check("tasks left queued or running", 0, open, open === 0),
    check("tasks with exactly one output document", expectedTasks, counts.tasksWithOneOutput, counts.tasksWithOneOutput === expectedTasks),
    check("output documents without a task", 0, counts.outputsWithoutTask, counts.outputsWithoutTask === 0),
    check(
      "tasks claimed again were all sweep take-overs of a dead claim (no live task run twice)",
      `${counts.tasksClaimedAgain} of ${counts.tasksClaimedAgain}`,
      `${claimedAgain.filter((id) => swept.has(id)).length} of ${counts.tasksClaimedAgain}`,
      claimedAgain.every((id) => swept.has(id)),
    ),
    check(
      "model calls answered (one per task: no work done twice)",
      expectedTasks,
      counts.modelAnswered,
      counts.modelAnswered === expectedTasks,
    ),
    check(
      "model requests the stand-in saw = attempts the output documents record",
      counts.modelRequests - rejected,
      counts.attemptsRecorded,
      counts.attemptsRecorded === counts.modelRequests - rejected,
    ),
    check("retryable faults were injected", "> 0", faultCount, faultCount > 0),
    check("the rate limit bound at least once", "> 0", counts.rateLimited, options.rpm === 0 || counts.rateLimited > 0),
    check(
      `ended within the ${options.timeoutS} s bound`,
      `<= ${options.timeoutS} s`,
      `${seconds(wallMs)} s`,
      !stopReason && wallMs <= options.timeoutS * 1000,
    ),
  ];
}

function soakTiming({ ends, wallMs, maxInFlight }: SoakRun, counts: SoakCounts): SoakResult["timing"] {
  const latencies = ends.map((e) => e.elapsedMs / 1000).sort((a, b) => a - b);
  return {
    wallS: seconds(wallMs),
    jobsPerS: Math.round((ends.length / (wallMs / 1000)) * 100) / 100,
    tasksPerS: Math.round(((counts.tasksByStatus.success ?? 0) / (wallMs / 1000)) * 100) / 100,
    jobP50S: Math.round(percentile(latencies, 50) * 10) / 10,
    jobP95S: Math.round(percentile(latencies, 95) * 10) / 10,
    jobMaxS: Math.round((latencies.at(-1) ?? 0) * 10) / 10,
    maxInFlight,
  };
}

/** Writes soak.json to RELIABILITY_RESULTS_DIR (else the OS temp folder); returns its path. */
function writeSoakResult(result: SoakResult): string {
  const dir = process.env.RELIABILITY_RESULTS_DIR || tmpdir();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, RESULT_FILES.soak);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

function printSoakOutcome({ ok, checks, counts, settings, timing }: SoakResult, { problems, stopReason }: SoakRun, file: string): void {
  for (const c of checks) console.log(`soak: ${c.ok ? "ok  " : "FAIL"} ${c.name}: expected ${c.expected}, got ${c.actual}`);
  for (const line of problems.slice(0, 10)) console.log(`soak: problem: ${line}`);
  if (problems.length > 10) console.log(`soak: ... and ${problems.length - 10} more problems`);
  console.log(
    `soak: ${ok ? "PASSED" : "FAILED"}${stopReason ? ` (${stopReason})` : ""}: ${counts.jobsByStatus.success ?? 0}/${settings.jobs} jobs success, ` +
      `${counts.tasks} tasks, ${counts.outputs} outputs, ${leftOpen(counts)} left open; ${counts.modelAnswered} calls answered, ` +
      `faults ${JSON.stringify(counts.faults)}, ${counts.rateLimited} rate-limited; ${timing.wallS} s, ${timing.jobsPerS} jobs/s. Results: ${file}`,
  );
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`soak: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
