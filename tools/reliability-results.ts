// The result files a reliability run leaves in RELIABILITY_RESULTS_DIR, as zod schemas: the report parses them at its edge.
import { z } from "zod";

/**
 * survived: the fault came and the work still ended as it should. failed clearly: it ended `failed` with an
 * error saying what was wrong. lost: nobody will ever learn what happened (left queued/running, a crash).
 */
export const OUTCOMES = ["survived", "failed clearly", "lost"] as const;
export const OutcomeSchema = z.enum(OUTCOMES);
export type Outcome = z.infer<typeof OutcomeSchema>;

/** bad-input.json, written by test/emulator/bad-input.test.ts: one row per fixture of test/fixtures/bad/. */
export const BadInputResultsSchema = z.looseObject({
  suite: z.literal("bad-input"),
  generatedAt: z.string(),
  /** False when a filter ran only some fixtures. */
  complete: z.boolean(),
  rows: z.array(
    z.looseObject({
      file: z.string(),
      collection: z.enum(["tasks", "jobs"]),
      description: z.string(),
      expectedCode: z.string(),
      outcome: OutcomeSchema,
      detail: z.string().default(""),
      knownGap: z.string().optional(),
    }),
  ),
});
export type BadInputResults = z.infer<typeof BadInputResultsSchema>;

const ReliabilityRowSchema = z.looseObject({
  promise: z.union([z.string(), z.number()]).transform(String),
  fault: z.string(),
  times: z.number().int().nonnegative(),
  outcome: OutcomeSchema,
  detail: z.string().default(""),
});

/** reliability.json, written by the fault-injection suites (test/emulator/reliability*.test.ts): a list of rows, bare or under `rows`. */
export const ReliabilityResultsSchema = z.preprocess(
  (value) => (Array.isArray(value) ? { rows: value } : value),
  z.looseObject({ rows: z.array(ReliabilityRowSchema), complete: z.boolean().optional() }),
);
export type ReliabilityResults = z.infer<typeof ReliabilityResultsSchema>;

const count = z.number().int().nonnegative();

export const SoakCheckSchema = z.strictObject({ name: z.string(), expected: z.string(), actual: z.string(), ok: z.boolean() });
export type SoakCheck = z.infer<typeof SoakCheckSchema>;

/** soak.json, written by bench/soak.ts. */
export const SoakResultSchema = z.strictObject({
  suite: z.literal("soak"),
  generatedAt: z.string(),
  ok: z.boolean(),
  /** Why the run stopped early (time bound, no Functions emulator), when it did. */
  error: z.string().optional(),
  settings: z.strictObject({
    jobs: count,
    tasksPerJob: count,
    inFlight: count,
    timeoutS: z.number().positive(),
    standin: z.strictObject({
      faults: z.record(z.string(), z.number()),
      rpm: count,
      latencyMs: z.number().nonnegative(),
      seed: z.number().int(),
      retryDelayMs: z.number().nonnegative(),
    }),
    /** The retry policy the Functions workers ran with (their environment, else DEFAULT_RETRY). */
    retry: z.strictObject({ maxAttempts: count, baseDelayMs: z.number(), maxDelayMs: z.number(), maxThrottledAttempts: count }),
    /** Lease and run budget of the workers, and how often the soak ran the sweep (the emulator runs no schedules). */
    pipeline: z.strictObject({ leaseMs: z.number(), runBudgetMs: z.number(), maxAttempts: count, sweepEveryS: z.number() }),
  }),
  counts: z.strictObject({
    jobsCreated: count,
    jobsByStatus: z.record(z.string(), count),
    /** Jobs whose last output carries the topic given to their first task: the data went through every hop. */
    jobsWithPayloadThrough: count,
    tasks: count,
    tasksByStatus: z.record(z.string(), count),
    /** Sum of the tasks' `attempts`: how many deliveries claimed a task (one each when nothing crashed). */
    taskClaims: count,
    /** Tasks claimed more than once. */
    tasksClaimedAgain: count,
    /** Tasks the sweep found `running` past their lease and took over (a claim whose run never came). */
    sweepTakeovers: count,
    outputs: count,
    tasksWithOneOutput: count,
    outputsWithoutTask: count,
    /** Model requests the stand-in received (rate-limited ones included). */
    modelRequests: count,
    modelAnswered: count,
    /** Injected faults by kind (429, 500, 503, ...), rate-limit answers apart. */
    faults: z.record(z.string(), count),
    rateLimited: count,
    /** Sum of the step attempts the output documents record. */
    attemptsRecorded: count,
    /** Model calls (steps) that needed more than one attempt. */
    retriedCalls: count,
    maxAttemptsPerCall: count,
  }),
  timing: z.strictObject({
    wallS: z.number(),
    jobsPerS: z.number(),
    tasksPerS: z.number(),
    jobP50S: z.number(),
    jobP95S: z.number(),
    jobMaxS: z.number(),
    maxInFlight: count,
  }),
  checks: z.array(SoakCheckSchema),
});
export type SoakResult = z.infer<typeof SoakResultSchema>;

/** run.json, written by the driver (tools/reliability-report.ts): the machine and how each phase went. */
export const RunRecordSchema = z.strictObject({
  startedAt: z.string(),
  node: z.string(),
  cores: count,
  memoryGiB: z.number(),
  platform: z.string(),
  phases: z.array(
    z.strictObject({
      name: z.string(),
      exitCode: z.number().int(),
      seconds: z.number(),
      tests: z.strictObject({ passed: count, failed: count, skipped: count }).optional(),
      note: z.string().optional(),
    }),
  ),
});
export type RunRecord = z.infer<typeof RunRecordSchema>;

/** The file names, inside the results folder. */
export const RESULT_FILES = { badInput: "bad-input.json", reliability: "reliability.json", soak: "soak.json", run: "run.json" } as const;
