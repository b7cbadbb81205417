// Renders docs/reliability.md from the result files of one reliability run and the policy numbers in the code.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { z } from "zod";
import { DEFAULT_RETRY, type RetryPolicy } from "../shared/models/retry";
import { DEFAULT_POLICY, FINISH_RESERVE_MS, type PipelinePolicy } from "../shared/pipeline/pipeline-deps";
import {
  BadInputResultsSchema,
  OUTCOMES,
  ReliabilityResultsSchema,
  RESULT_FILES,
  RunRecordSchema,
  SoakResultSchema,
  type BadInputResults,
  type Outcome,
  type ReliabilityResults,
  type RunRecord,
  type SoakResult,
} from "./reliability-results";

/** The deployed policy, read from the code so the report cannot drift from it. */
export interface PolicyFacts {
  retry: RetryPolicy;
  pipeline: PipelinePolicy;
  trigger: { timeoutSeconds: number; concurrency: number; retry: boolean };
  sweepSchedule: string;
}

export interface ReportInputs {
  run: RunRecord;
  badInput?: BadInputResults;
  reliability?: ReliabilityResults;
  soak?: SoakResult;
  policy: PolicyFacts;
  /** The command that regenerates the report. */
  command: string;
}

const TRIGGERS_FILE = "functions/src/index.ts";

/** Trigger options and the sweep schedule, from functions/src/index.ts; throws naming what it could not find. */
export function readPolicyFacts(repoRoot: string): PolicyFacts {
  const source = readFileSync(join(repoRoot, TRIGGERS_FILE), "utf8");
  const options = /const triggerOptions[^=]*=\s*{([^}]*)}/.exec(source)?.[1];
  const find = (text: string | undefined, pattern: RegExp, what: string) => {
    const found = text === undefined ? undefined : pattern.exec(text)?.[1];
    if (found === undefined)
      throw new Error(
        `${TRIGGERS_FILE}: could not find ${what}; update readPolicyFacts in tools/render-reliability-report.ts to match the file`,
      );
    return found;
  };
  return {
    retry: DEFAULT_RETRY,
    pipeline: DEFAULT_POLICY,
    trigger: {
      timeoutSeconds: Number(find(source, /const TIMEOUT_SECONDS\s*=\s*(\d+)/, "TIMEOUT_SECONDS (the triggers' timeoutSeconds)")),
      concurrency: Number(find(options, /concurrency:\s*(\d+)/, "triggerOptions.concurrency")),
      retry: find(options, /retry:\s*(true|false)/, "triggerOptions.retry") === "true",
    },
    sweepSchedule: find(source, /onSchedule\(\s*{[^}]*schedule:\s*"([^"]+)"/, "the sweepTasks schedule"),
  };
}

/** Reads and checks the result files in `dir`; a missing file is `undefined` (that part did not run). */
export function loadReportInputs(dir: string, policy: PolicyFacts, command: string): ReportInputs {
  const read = <S extends z.ZodType>(file: string, schema: S): z.infer<S> | undefined => {
    const path = join(dir, file);
    if (!existsSync(path)) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, "utf8"));
    } catch (err) {
      throw new Error(`${file} in the results folder is not JSON (${(err as Error).message}); run the reliability suites again`, {
        cause: err,
      });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const lines = parsed.error.issues.slice(0, 10).map((i) => `  ${i.path.join(".") || "(file)"}: ${i.message}`);
      throw new Error(
        `${file} in the results folder does not have the expected shape (see tools/reliability-results.ts):\n${lines.join("\n")}`,
      );
    }
    return parsed.data;
  };
  const run = read(RESULT_FILES.run, RunRecordSchema);
  if (!run)
    throw new Error(
      `${RESULT_FILES.run} is missing from the results folder: it is written by \`npm run reliability\`, which runs everything first`,
    );
  const badInput = read(RESULT_FILES.badInput, BadInputResultsSchema);
  const reliability = read(RESULT_FILES.reliability, ReliabilityResultsSchema);
  const soak = read(RESULT_FILES.soak, SoakResultSchema);
  return { run, policy, command, ...(badInput ? { badInput } : {}), ...(reliability ? { reliability } : {}), ...(soak ? { soak } : {}) };
}

/** A table cell: one line, pipes escaped. */
function cell(value: unknown): string {
  return (
    (typeof value === "string" ? value : value === undefined || value === null ? "" : JSON.stringify(value))
      .replace(/\r?\n/g, " ")
      .replace(/\|/g, "\\|")
      .trim() || " "
  );
}

function table(head: string[], rows: unknown[][]): string {
  const line = (cells: unknown[]) => `| ${cells.map(cell).join(" | ")} |`;
  return [line(head), `|${head.map(() => "---").join("|")}|`, ...rows.map(line)].join("\n");
}

const ms = (value: number) => (value >= 1000 ? `${value / 1000} s` : `${value} ms`);
const pct = (rate: number) => `${Math.round(rate * 1000) / 10}%`;

/** 2.6e-7 style, for the tiny probabilities of the retry budget. */
function sci(value: number): string {
  if (value === 0) return "0";
  const exponent = Math.floor(Math.log10(value));
  return `${(value / 10 ** exponent).toFixed(1)}e${exponent}`;
}

function outcomeCounts(outcomes: Outcome[]): Record<Outcome, number> {
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  for (const outcome of outcomes) counts[outcome]++;
  return counts;
}

/** How the soak's faults ended: lost when any work was left undone, failed clearly when a job failed, else survived. */
function soakOutcome(soak: SoakResult): Outcome {
  const { counts, settings } = soak;
  const expectedTasks = settings.jobs * settings.tasksPerJob;
  const open = (counts.tasksByStatus.queued ?? 0) + (counts.tasksByStatus.running ?? 0);
  const jobsEnded = (counts.jobsByStatus.success ?? 0) + (counts.jobsByStatus.failed ?? 0);
  const failedJobs = counts.jobsByStatus.failed ?? 0;
  // A job that failed clearly may have committed fewer tasks; any other shortfall is work that vanished.
  if (
    open > 0 ||
    counts.tasksWithOneOutput < counts.tasks ||
    jobsEnded < settings.jobs ||
    (counts.tasks < expectedTasks && failedJobs === 0)
  )
    return "lost";
  return failedJobs > 0 ? "failed clearly" : "survived";
}

function renderSummary(inputs: ReportInputs): string {
  const rows: unknown[][] = [];
  const { badInput, reliability, soak } = inputs;
  if (badInput) {
    const c = outcomeCounts(badInput.rows.map((r) => r.outcome));
    rows.push([
      `bad input (test/fixtures/bad/)${badInput.complete ? "" : ", partial run"}`,
      badInput.rows.length,
      badInput.rows.length,
      c.survived,
      c["failed clearly"],
      c.lost,
    ]);
  } else rows.push(["bad input (test/fixtures/bad/)", "not run", "", "", "", ""]);
  if (reliability) {
    const c = outcomeCounts(reliability.rows.map((r) => r.outcome));
    const times = reliability.rows.reduce((sum, r) => sum + r.times, 0);
    rows.push(["fault-injection scenarios", reliability.rows.length, times, c.survived, c["failed clearly"], c.lost]);
  } else rows.push(["fault-injection scenarios", "not run", "", "", "", ""]);
  if (soak) {
    const faults = Object.values(soak.counts.faults).reduce((a, b) => a + b, 0) + soak.counts.rateLimited;
    const outcome = soakOutcome(soak);
    const kinds = Object.keys(soak.settings.standin.faults).length + (soak.settings.standin.rpm ? 1 : 0);
    rows.push([
      `soak (${soak.settings.jobs} jobs, ${soak.counts.modelRequests} model requests)`,
      kinds,
      faults,
      outcome === "survived" ? faults : 0,
      outcome === "failed clearly" ? faults : 0,
      outcome === "lost" ? faults : 0,
    ]);
  } else rows.push(["soak", "not run", "", "", "", ""]);
  return table(["source", "kinds tried", "times", "survived", "failed clearly", "lost"], rows);
}

function renderPhases(run: RunRecord): string {
  return table(
    ["phase", "result", "tests", "time"],
    run.phases.map((p) => [
      p.name,
      p.exitCode === 0 ? "passed" : `FAILED (exit ${p.exitCode})${p.note ? `: ${p.note}` : ""}`,
      p.tests ? `${p.tests.passed} passed, ${p.tests.failed} failed${p.tests.skipped ? `, ${p.tests.skipped} skipped` : ""}` : "",
      `${Math.round(p.seconds)} s`,
    ]),
  );
}

function renderPolicy(inputs: ReportInputs): string {
  const { retry, pipeline, trigger, sweepSchedule } = inputs.policy;
  const rows = [...retryRows(retry), ...runRows(pipeline, trigger), ...deliveryRows(pipeline, trigger, sweepSchedule)];
  return [table(["what", "value", "why"], rows), "", CRASH_RERUN_NOTE].join("\n");
}

/** How one model call is retried: [what, value, why] rows. */
function retryRows(retry: RetryPolicy): unknown[][] {
  return [
    [
      "attempts per model call",
      `${retry.maxAttempts}, the first included`,
      "As the original (5 retries), but only for errors that can succeed later: 429, 500, 502, 503, 504, timeouts, connection resets and malformed bodies. 400, 403, 404, safety blocks and empty answers fail the step at once with the model's reason.",
    ],
    [
      "backoff",
      `full jitter: a random wait in [0, min(${ms(retry.maxDelayMs)}, ${ms(retry.baseDelayMs)} x 2^(n-1))]`,
      "Doubling spaces out retries against a struggling server; full jitter keeps the many tasks that failed together from retrying together; the cap keeps one wait far below the run budget.",
    ],
    [
      "server's retry delay",
      "waited for: RetryInfo.retryDelay or Retry-After",
      "The server knows when capacity returns. After a non-429 error the wait is the larger of the backoff and the server's delay.",
    ],
    [
      "throttling (429)",
      `its own budget of ${retry.maxThrottledAttempts ?? 0} more attempts; wait = the server's delay + jitter`,
      "Being told to wait is not a failure of the call: under a rate limit the limit sets the pace, so throttles do not spend the error budget. The jitter spreads the callers the limit releases at once.",
    ],
  ];
}

/** How long one task's run may take and how often it may start: [what, value, why] rows. */
function runRows(pipeline: PipelinePolicy, trigger: PolicyFacts["trigger"]): unknown[][] {
  return [
    [
      "run budget (deadline)",
      `${pipeline.runBudgetMs / 1000} s of the ${trigger.timeoutSeconds} s function timeout`,
      `One task per invocation: its run may take the whole timeout less ${FINISH_RESERVE_MS / 1000} s kept to write the result. No retry starts, and no wait is begun, that would end past the budget, and the calls in flight are aborted at it, so the result is always written before the platform kills the instance.`,
    ],
    [
      "lease",
      `${pipeline.leaseMs / 1000} s`,
      `Longer than the ${trigger.timeoutSeconds} s timeout, so a live run is never taken over; once it has expired the task's run is dead, and a redelivery or the sweep may claim it again.`,
    ],
    [
      "starts per task",
      `${pipeline.maxAttempts}`,
      "A task whose run died this many times (crash, out of memory, timeout) ends failed with that reason instead of looping.",
    ],
  ];
}

/** How a task's event reaches a run, and what picks up the ones that never did: [what, value, why] rows. */
function deliveryRows(pipeline: PipelinePolicy, trigger: PolicyFacts["trigger"], sweepSchedule: string): unknown[][] {
  return [
    [
      "sweep",
      `${sweepSchedule} (sweepTasks)`,
      `Takes over tasks still running past their lease (a dead task is picked up at most ${worstTakeover(pipeline.leaseMs / 1000, sweepSchedule)} after its claim), runs tasks left queued for ${pipeline.queuedGraceMs / 60_000} minutes (their event was dropped; longer than the longest redelivery backoff, so a delivery still being retried is not raced), and ends jobs left running after their current task ended. The Functions emulator runs no schedules; the soak runs the same code itself.`,
    ],
    [
      "event redelivery",
      `retry: ${trigger.retry}`,
      "A handler throws only when Firestore itself failed; with retries on, such an event is redelivered (10 s to 600 s backoff) instead of dropped. Claim-before-work and create-if-absent writes make a redelivery harmless; events older than 24 hours are acknowledged without work.",
    ],
    [
      "concurrency",
      `${trigger.concurrency} events per instance`,
      "A task waits on the model nearly all the time; one instance serving many tasks at once is far cheaper than one per task.",
    ],
  ];
}

/** The longest a dead task waits for the sweep: its lease plus one sweep interval, in minutes when the schedule says them. */
function worstTakeover(leaseS: number, sweepSchedule: string): string {
  const sweepMinutes = Number(/every (\d+) minutes?/.exec(sweepSchedule)?.[1] ?? NaN);
  return Number.isFinite(sweepMinutes) ? `${leaseS / 60 + sweepMinutes} minutes` : `the lease plus the sweep interval`;
}

const CRASH_RERUN_NOTE = [
  "**After a crash the task runs again from its first step.** A run record is written only when the task ends, in the",
  "commit that creates its output and its successor; a take-over after a dead run claims the task again (attempt",
  "n + 1) and runs every step anew. Checkpointing each step would add a write and a read per step to every task to save,",
  "only on the rare crash, a few model calls, and the checkpoint would need the same exactly-once care as the output.",
  "Re-running is safe because a step's only effect outside its task is the `firestore_log` built-in, whose document id",
  "defaults to `<execution id>-<step id>` and the execution id is the task document id, the same on every attempt: a",
  "re-run overwrites its row instead of adding a second one. The output document and the successor are created with",
  "`create()` in the finishing commit, which requires the task still held by this attempt, so a",
  "superseded run cannot commit anything.",
].join("\n");

/** The retry budget against the soak's fault rates: why its settings cannot run out of attempts by chance. */
function renderBudgetArithmetic(soak: SoakResult): string {
  const { faults, rpm } = soak.settings.standin;
  const { retry } = soak.settings;
  const throttle = faults["429"] ?? 0;
  const errors = Object.entries(faults)
    .filter(([kind]) => kind !== "429")
    .reduce((sum, [, rate]) => sum + rate, 0);
  const perCall = errors ** retry.maxAttempts;
  const calls = soak.settings.jobs * soak.settings.tasksPerJob;
  return [
    `Why the soak's budget cannot run out by chance: ${pct(errors)} of the answers are server errors, which spend the`,
    `attempt budget of ${retry.maxAttempts}; a call fails for good only if all ${retry.maxAttempts} attempts draw one, probability`,
    `${pct(errors)}^${retry.maxAttempts} = ${sci(perCall)}, so over the soak's ${calls} calls about ${sci(perCall * calls)} calls are expected to.`,
    `The other ${pct(throttle)} (429) and the rate limit (${rpm ? `${rpm} requests a minute` : "off"}) ride the throttle budget of ${retry.maxThrottledAttempts},`,
    `each waiting what the server asks, so they are bounded by the run budget (${soak.settings.pipeline.runBudgetMs / 1000} s), not by chance.`,
    `The most attempts any call needed in this run: ${soak.counts.maxAttemptsPerCall}.`,
  ].join("\n");
}

function renderBadInput(badInput: BadInputResults | undefined): string {
  if (!badInput) return "Not run: this run wrote no bad-input.json (test/emulator/bad-input.test.ts did not finish).";
  const rows = badInput.rows.map((r, i) => [
    i + 1,
    r.description,
    r.collection,
    r.expectedCode,
    r.outcome,
    r.knownGap ? `known gap: ${r.knownGap}` : r.detail,
  ]);
  return [
    "Each document is written to `tasks/` or `jobs/` of the Firestore emulator and delivered as the trigger would, then",
    "delivered again; *failed clearly* means it ended `failed` with the expected error code and message, wrote no",
    "output (or only the failed run record), committed no successor, called no model, and the second delivery changed",
    `nothing.${badInput.complete ? "" : " **This run covered only part of the corpus.**"}`,
    "",
    table(["#", "bad input", "collection", "expected error", "outcome", "note"], rows),
  ].join("\n");
}

const promiseNumber = (promise: string) => Number(/^\s*(\d+)/.exec(promise)?.[1] ?? Number.POSITIVE_INFINITY);

function renderReliability(reliability: ReliabilityResults | undefined): string {
  if (!reliability)
    return "Not run: this run wrote no reliability.json (the fault-injection suites, test/emulator/reliability.test.ts and secrets.test.ts, are not in place or did not finish).";
  return table(
    ["promise", "fault", "times", "outcome", "detail"],
    // By promise number, each suite's rows in the order they ran.
    [...reliability.rows]
      .sort((a, b) => promiseNumber(a.promise) - promiseNumber(b.promise))
      .map((r) => [r.promise, r.fault, r.times, r.outcome, r.detail]),
  );
}

function renderSoak(soak: SoakResult | undefined, deployed: PolicyFacts): string {
  if (!soak) return "Not run: this run wrote no soak.json (bench/soak.ts did not finish).";
  const { settings, counts, timing } = soak;
  const s = settings.standin;
  const faultList = Object.entries(s.faults)
    .map(([kind, rate]) => `${kind} ${pct(rate)}`)
    .join(", ");
  const outcome = soakOutcome(soak);
  const faultRows: unknown[][] = [
    ...Object.entries(s.faults).map(([kind, rate]) => [`HTTP ${kind} (injected, ${pct(rate)})`, counts.faults[kind] ?? 0, outcome]),
    ...(s.rpm ? [[`rate limit ${s.rpm}/min (429 with RetryInfo)`, counts.rateLimited, outcome]] : []),
  ];
  return [
    `${settings.jobs} jobs of ${settings.tasksPerJob} chained one-step tasks (draft -> review -> final), each created \`queued\` so`,
    `that the jobs trigger starts it, at most ${settings.inFlight} in flight, through the Firestore and Functions emulators. The`,
    `stand-in answered with ${latencyText(s.latencyMs)} and injected ${faultList} (seed ${s.seed})${s.rpm ? `, with a limit of ${s.rpm} requests a minute` : ""}.`,
    `The workers retried with a ${ms(settings.retry.baseDelayMs)} base delay (${ms(deployed.retry.baseDelayMs)} deployed, shortened so the run stays short),`,
    `${settings.retry.maxAttempts} attempts and ${settings.retry.maxThrottledAttempts} throttles per call; a ${settings.pipeline.leaseMs / 1000} s lease and ${settings.pipeline.runBudgetMs / 1000} s run budget,`,
    `and the soak ran the lease sweep every ${settings.pipeline.sweepEveryS} s as the scheduled function would. Bound: ${settings.timeoutS} s.`,
    `Result: **${soak.ok ? "passed" : "FAILED"}**${soak.error ? ` (${soak.error})` : ""}.`,
    "",
    table(["figure", "value"], soakFigures(counts, timing)),
    "",
    table(["fault", "times", "outcome"], faultRows),
    "",
    table(
      ["check", "expected", "got", "ok"],
      soak.checks.map((c) => [c.name, c.expected, c.actual, c.ok ? "yes" : "**NO**"]),
    ),
    ...takeoverNote(counts.sweepTakeovers, deployed),
    "",
    renderBudgetArithmetic(soak),
  ].join("\n");
}

/** The soak's figures, one [figure, value] row each. */
function soakFigures(counts: SoakResult["counts"], timing: SoakResult["timing"]): unknown[][] {
  const open = (counts.tasksByStatus.queued ?? 0) + (counts.tasksByStatus.running ?? 0);
  return [
    ["jobs created / success", `${counts.jobsCreated} / ${counts.jobsByStatus.success ?? 0}`],
    ["jobs whose first input reached their last output", counts.jobsWithPayloadThrough],
    ["tasks committed / success", `${counts.tasks} / ${counts.tasksByStatus.success ?? 0}`],
    ["tasks left queued or running", open],
    ["output documents (tasks with exactly one)", `${counts.outputs} (${counts.tasksWithOneOutput})`],
    ["model requests received by the stand-in", counts.modelRequests],
    ["model calls answered", counts.modelAnswered],
    [
      "faults injected",
      Object.entries(counts.faults)
        .map(([k, v]) => `${k}: ${v}`)
        .join(", ") || "none",
    ],
    ["answers refused by the rate limit", counts.rateLimited],
    ["model calls that needed a retry / most attempts for one call", `${counts.retriedCalls} / ${counts.maxAttemptsPerCall}`],
    [
      "claims of a task (tasks claimed again; sweep take-overs)",
      `${counts.taskClaims} (${counts.tasksClaimedAgain}; ${counts.sweepTakeovers})`,
    ],
    ["wall time", `${timing.wallS} s`],
    ["throughput", `${timing.jobsPerS} jobs/s, ${timing.tasksPerS} tasks/s`],
    ["job time p50 / p95 / max", `${timing.jobP50S} s / ${timing.jobP95S} s / ${timing.jobMaxS} s`],
  ];
}

/** Why tasks needed the sweep, when any did: what was traced, and what it costs with the deployed lease. */
function takeoverNote(takeovers: number, deployed: PolicyFacts): string[] {
  return takeovers > 0
    ? [
        "",
        `**${takeovers} task(s) needed the sweep.** A task the sweep takes over was left \`running\` past its lease with no`,
        "run under way. Traced while building this soak (gRPC logs of the workers, the emulator's log): the claim's commit",
        "was applied but answered UNKNOWN (the Firestore emulator fails a commit that is notifying a listen stream closed at",
        "that moment, as the soak's per-job watchers close when their job ends), the Firestore client retried the claim",
        "transaction, and the retry found the task `running` under the claim just made and skipped it as someone else's.",
        "Production Firestore can answer a commit ambiguously too (UNAVAILABLE, DEADLINE_EXCEEDED). The take-over claimed",
        "the task again and ran it, the job finished, and no model call was repeated (the answered calls equal the tasks):",
        `the work survived, only late (the slowest job above). With the deployed ${deployed.pipeline.leaseMs / 60_000}-minute lease such a job would wait`,
        "that long plus up to one sweep interval; a claim that recognises its own earlier write (a per-delivery claim id",
        "stored with the lease) would not lose the delivery at all.",
      ]
    : [];
}

const latencyText = (latencyMs: number) => (latencyMs ? `${latencyMs} ms of latency` : "no added latency");

/** Replaces this machine's folders in free text, so that a committed report names no path of the machine it ran on. */
export function scrubPaths(text: string, paths: readonly string[]): string {
  let out = text;
  for (const path of [...paths].filter((p) => p.length > 1).sort((a, b) => b.length - a.length)) out = out.split(path).join("<local>");
  return out;
}

export function renderReliabilityReport(inputs: ReportInputs): string {
  const { run } = inputs;
  const date = run.startedAt.slice(0, 10);
  const machine = `${run.platform}, ${run.cores} cores, ${run.memoryGiB} GiB, Node ${run.node}`;
  return `${[
    "# Reliability",
    "",
    "<!-- Generated by `npm run reliability` (tools/reliability-report.ts) from one run; edit the generator, not this file. -->",
    "",
    "What the pipeline promises under duplicate and parallel deliveries, crashes, model faults, rate limits, bad input,",
    "hostile model answers, a misconfigured deployment, dropped events and cancelled jobs, and who may read what; and",
    "what one run of the emulator suites and the soak measured. Every row below comes from that run's result files. Outcomes:",
    "*survived*: the fault came and the work still ended as it should; *failed clearly*: it ended `failed` with an error",
    "saying what was wrong and what to do; *lost*: nobody would ever learn what happened (left queued or running, a crash).",
    "",
    `Run on ${date}, ${machine}. Regenerate with \`${inputs.command}\` (several minutes; needs Java for the Firestore emulator).`,
    "",
    "## Summary",
    "",
    renderSummary(inputs),
    "",
    renderPhases(run),
    "",
    "## Retry and lease policy",
    "",
    `The deployed defaults (\`DEFAULT_RETRY\` in shared/models/retry.ts, \`DEFAULT_POLICY\` in shared/pipeline/pipeline-deps.ts,`,
    "the trigger options in functions/src/index.ts); each can be changed through the environment (`RETRY_*`, `TASK_*`).",
    "",
    renderPolicy(inputs),
    "",
    "## Bad input",
    "",
    renderBadInput(inputs.badInput),
    "",
    "## Fault-injection scenarios",
    "",
    renderReliability(inputs.reliability),
    "",
    "## Soak",
    "",
    renderSoak(inputs.soak, inputs.policy),
  ].join("\n")}\n`;
}
