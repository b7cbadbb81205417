// Every limit on what one user's request, config or model answer may cost the deployment, defined here once: its
// setting (an environment variable, read from functions/.env when deployed), its default, and what it bounds.
// The README's settings table lists each (a unit test holds that true); code reads them through readLimits().

export interface LimitSpec {
  /** The environment variable that overrides the default. */
  readonly env: string;
  readonly default: number;
  /** Whether 0 is allowed, meaning "no limit" (a ceiling a deployment may switch off). */
  readonly zeroMeansNone?: boolean;
  /** Whether a fraction is allowed (an amount of money), not only a whole number. */
  readonly fractional?: boolean;
  /** What it bounds and what happens past it, as the README says it. */
  readonly what: string;
}

export const LIMITS = {
  promptChars: {
    env: "MAX_PROMPT_CHARS",
    default: 1_000_000,
    what: "characters one step may interpolate (its prompts, or a function call's request); past it the step fails unsent with `prompt_too_large`",
  },
  stepsPerTask: {
    env: "MAX_STEPS_PER_TASK",
    default: 100,
    what: "steps in one task; a config with more is refused when it is validated (`submitJob`, the job's start, a batch, the claim of a task)",
  },
  runChars: {
    env: "MAX_RUN_CHARS",
    default: 10_000_000,
    what: "characters one task run may hold: its steps' prompts, requests and answers plus the running payload (`context` included); the step that would pass it fails unsent with `limit_exceeded`",
  },
  extractChars: {
    env: "MAX_EXTRACT_CHARS",
    default: 500_000,
    what: "characters of an answer that `output_config.extract` rules may run on; a longer answer with a rule fails the step with `limit_exceeded`",
  },
  regexProgramSize: {
    env: "MAX_REGEX_PROGRAM_SIZE",
    default: 200,
    what: "size of a `regex` rule as RE2 compiles it (about one per character and per repeated item: `score (\\d+)` is 12, `(?:a?){300}` 602); a larger rule is refused when the config is validated",
  },
  jobRequestBytes: {
    env: "MAX_JOB_BYTES",
    default: 1_000_000,
    what: "bytes of a job config as JSON (a `submitJob` request, a job document at its start); larger is refused before it is validated",
  },
  batchRequestBytes: {
    env: "MAX_BATCH_BYTES",
    default: 5_000_000,
    what: "bytes of a batch as JSON (a `submitBatch` request, the CLI's batch file, rows_file aside); larger is refused before it is validated",
  },
  runningJobsPerUser: {
    env: "MAX_RUNNING_JOBS_PER_USER",
    default: 20,
    what: "runs one user may have `queued` or `running`, their jobs and their batches' runs together; `submitJob` refuses more, and the admission queue defers that user's further batch rows until some end",
  },
  dailySpendCeilingUsd: {
    env: "DAILY_SPEND_CEILING_USD",
    default: 0,
    zeroMeansNone: true,
    fractional: true,
    what: "USD one user's runs may spend in a UTC day, summed over the cost every model step records; a run stops before its next model call once it is reached (`budget_exceeded`); 0 for none",
  },
  batchMaxWaitHours: {
    env: "BATCH_MAX_WAIT_HOURS",
    default: 72,
    what: "hours a task may wait on a vendor batch's answer (provider batch mode) before the sweep ends it `deadline_exceeded`; the vendors expire a job after 24 to 72 h",
  },
  responseTtlDays: {
    env: "RESPONSE_TTL_DAYS",
    default: 30,
    what: "days a model answer is kept in the response store for `cache` reruns; after it a run no longer takes it, and Firestore's TTL policy on `expires_at` deletes it (docs/data-model.md)",
  },
  batchPollSeconds: {
    env: "BATCH_POLL_SECONDS",
    default: 60,
    what: 'seconds between two rounds of the provider batch collector while a request or vendor job is open (`execution: "provider_batch"`), and at least between two status reads of one vendor job; shorter finds ended jobs sooner, at more vendor API calls',
  },
  batchGroupWindowSeconds: {
    env: "BATCH_GROUP_WINDOW_SECONDS",
    default: 30,
    zeroMeansNone: true,
    what: "seconds the oldest queued request of a provider, route and model waits for others to join its vendor batch job (a full job goes at once); longer makes fewer, larger vendor jobs, shorter answers sooner; 0 sends what each round finds",
  },
  batchMaxSubmissions: {
    env: "BATCH_MAX_SUBMISSIONS",
    default: 3,
    what: "vendor batch jobs one request may be sent in: a request a job did not run (expired, cancelled, dropped) or answered with a retryable error is sent again until then, and fails with the vendor's reason after",
  },
} as const satisfies Record<string, LimitSpec>;

export type LimitName = keyof typeof LIMITS;
export type Limits = { readonly [K in LimitName]: number };

/** A limit's setting, or its default when unset; a value the limit cannot take is an error naming the setting. */
function readLimit(spec: LimitSpec, env: NodeJS.ProcessEnv): number {
  const text = env[spec.env]?.trim();
  if (!text) return spec.default;
  const value = Number(text);
  const number = spec.fractional ? Number.isFinite(value) : Number.isSafeInteger(value);
  if (number && (value > 0 || (value === 0 && spec.zeroMeansNone === true))) return value;
  const kind = spec.fractional ? "a number" : "a whole number";
  const range = spec.zeroMeansNone ? `${kind}, 0 for no limit` : `${kind} above 0`;
  throw new Error(`${spec.env}=${JSON.stringify(text)} is not ${range} (default ${spec.default}); fix it in functions/.env`);
}

/** Every limit, from the environment over the defaults; throws on a setting that is not a valid number. */
export function readLimits(env: NodeJS.ProcessEnv = process.env): Limits {
  return Object.fromEntries(Object.entries(LIMITS).map(([name, spec]) => [name, readLimit(spec, env)])) as Limits;
}

export const DEFAULT_LIMITS: Limits = readLimits({});
