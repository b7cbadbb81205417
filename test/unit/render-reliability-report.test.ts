// docs/reliability.md is drawn only from the run's result files and the code's policy numbers, and tolerates missing parts.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_RETRY } from "../../shared/models/retry";
import { DEFAULT_POLICY } from "../../shared/pipeline/pipeline-deps";
import { loadReportInputs, readPolicyFacts, renderReliabilityReport, scrubPaths } from "../../tools/render-reliability-report";
import type { RunRecord, SoakResult } from "../../tools/reliability-results";

const policy = readPolicyFacts(process.cwd());
let dir: string;

const run: RunRecord = {
  startedAt: "2026-11-24T16:00:00.000Z",
  node: "20.20.2",
  cores: 2,
  memoryGiB: 24,
  platform: "linux",
  phases: [
    { name: "build (functions/lib/index.js)", exitCode: 0, seconds: 1.2 },
    {
      name: "bad-input and fault-injection suites (Firestore emulator)",
      exitCode: 0,
      seconds: 40,
      tests: { passed: 73, failed: 0, skipped: 0 },
    },
  ],
};

const badInput = {
  suite: "bad-input",
  generatedAt: "2026-11-24T16:01:00.000Z",
  complete: true,
  fixtures: 2,
  counts: { "failed clearly": 1, survived: 1, lost: 0 },
  rows: [
    {
      file: "task-no-steps.json",
      collection: "tasks",
      description: "a task with no steps",
      expectedCode: "invalid_config",
      outcome: "failed clearly",
      detail: "",
    },
    {
      file: "job-pipe.json",
      collection: "jobs",
      description: "a job | with a pipe",
      expectedCode: "invalid_config",
      outcome: "survived",
      detail: "ran anyway",
      knownGap: "not checked yet",
    },
  ],
};

function soak(overrides: Partial<SoakResult["counts"]> = {}): SoakResult {
  return {
    suite: "soak",
    generatedAt: "2026-11-24T16:05:00.000Z",
    ok: true,
    settings: {
      jobs: 200,
      tasksPerJob: 3,
      inFlight: 24,
      timeoutS: 480,
      standin: { faults: { "500": 0.04, "503": 0.04, "429": 0.02 }, rpm: 300, latencyMs: 50, seed: 7, retryDelayMs: 100 },
      retry: { maxAttempts: 6, baseDelayMs: 50, maxDelayMs: 20_000, maxThrottledAttempts: 50 },
      pipeline: { leaseMs: 120_000, runBudgetMs: 100_000, maxAttempts: 3, sweepEveryS: 15 },
    },
    counts: {
      jobsCreated: 200,
      jobsByStatus: { success: 200 },
      jobsWithPayloadThrough: 200,
      tasks: 600,
      tasksByStatus: { success: 600 },
      taskClaims: 600,
      tasksClaimedAgain: 0,
      sweepTakeovers: 0,
      outputs: 600,
      tasksWithOneOutput: 600,
      outputsWithoutTask: 0,
      modelRequests: 671,
      modelAnswered: 600,
      faults: { "429": 13, "500": 18, "503": 31 },
      rateLimited: 9,
      attemptsRecorded: 671,
      retriedCalls: 60,
      maxAttemptsPerCall: 4,
      ...overrides,
    },
    timing: { wallS: 150.2, jobsPerS: 1.33, tasksPerS: 4, jobP50S: 8, jobP95S: 20, jobMaxS: 30, maxInFlight: 24 },
    checks: [{ name: "every job ended success", expected: "200 of 200", actual: "200 of 200", ok: true }],
  };
}

function writeResults(files: Record<string, unknown>): void {
  dir = mkdtempSync(join(tmpdir(), "reliability-report-test-"));
  for (const [name, content] of Object.entries(files))
    writeFileSync(join(dir, name), typeof content === "string" ? content : JSON.stringify(content));
}

afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the reliability report", () => {
  it("reads the deployed trigger options and sweep schedule from functions/src/index.ts", () => {
    expect(policy.trigger).toEqual({ timeoutSeconds: 540, concurrency: 80, retry: true });
    expect(policy.sweepSchedule).toBe("every 5 minutes");
    expect(policy.retry).toBe(DEFAULT_RETRY);
    expect(policy.pipeline).toBe(DEFAULT_POLICY);
  });

  it("fills every table from the result files, says 'not run' for a missing reliability.json, and names the machine", () => {
    writeResults({ "run.json": run, "bad-input.json": badInput, "soak.json": soak() });
    const text = renderReliabilityReport(loadReportInputs(dir, policy, "npm run reliability"));
    expect(text).toContain("Run on 2026-11-24, linux, 2 cores, 24 GiB, Node 20.20.2. Regenerate with `npm run reliability`");
    expect(text).toContain("| 1 | a task with no steps | tasks | invalid_config | failed clearly |");
    expect(text).toContain("| 2 | a job \\| with a pipe | jobs | invalid_config | survived | known gap: not checked yet |");
    expect(text).toContain("| bad input (test/fixtures/bad/) | 2 | 2 | 1 | 1 | 0 |");
    expect(text).toContain("| fault-injection scenarios | not run |");
    expect(text).toMatch(/## Fault-injection scenarios\n\nNot run: this run wrote no reliability\.json/);
    expect(text).toContain("| HTTP 503 (injected, 4%) | 31 | survived |");
    expect(text).toContain("| rate limit 300/min (429 with RetryInfo) | 9 | survived |");
    expect(text).toContain("| tasks left queued or running | 0 |");
    expect(text).toContain("| bad-input and fault-injection suites (Firestore emulator) | passed | 73 passed, 0 failed | 40 s |");
    // The policy numbers come from the code, and the budget arithmetic from the soak's settings.
    expect(text).toContain(`| attempts per model call | ${DEFAULT_RETRY.maxAttempts}, the first included |`);
    expect(text).toContain(`| lease | ${DEFAULT_POLICY.leaseMs / 1000} s |`);
    expect(text).toContain("8%^6 = 2.6e-7");
    expect(text).toContain("The most attempts any call needed in this run: 4.");
  });

  it("renders fault-injection rows given as a bare list or under rows", () => {
    const rows = [
      { promise: 1, fault: "the created-event delivered 20 times at once", times: 20, outcome: "survived", detail: "one output" },
    ];
    for (const reliability of [rows, { suite: "reliability", rows }]) {
      writeResults({ "run.json": run, "reliability.json": reliability });
      const text = renderReliabilityReport(loadReportInputs(dir, policy, "npm run reliability"));
      expect(text).toContain("| 1 | the created-event delivered 20 times at once | 20 | survived | one output |");
      expect(text).toContain("| fault-injection scenarios | 1 | 20 | 1 | 0 | 0 |");
      expect(text).toContain("Not run: this run wrote no soak.json");
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("calls soak faults lost when a task was left running", () => {
    writeResults({
      "run.json": run,
      "soak.json": { ...soak({ tasksByStatus: { success: 599, running: 1 }, tasksWithOneOutput: 599, outputs: 599 }), ok: false },
    });
    const text = renderReliabilityReport(loadReportInputs(dir, policy, "npm run reliability"));
    expect(text).toContain("| HTTP 500 (injected, 4%) | 18 | lost |");
    expect(text).toContain("Result: **FAILED**");
  });

  it("refuses a result file of the wrong shape, naming the file and the field", () => {
    writeResults({ "run.json": run, "reliability.json": [{ promise: "1", fault: "x", times: -1, outcome: "fine" }] });
    expect(() => loadReportInputs(dir, policy, "npm run reliability")).toThrow(/reliability\.json .*expected shape[\s\S]*outcome/);
  });

  it("replaces this machine's folders in the text, longest first", () => {
    expect(scrubPaths("see /home/me/repo/x and /home/me/y", ["/home/me", "/home/me/repo"])).toBe("see <local>/x and <local>/y");
  });
});
