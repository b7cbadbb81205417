// The pure parts of promise 17: who may submit (SUBMITTERS), which budgets apply to a task and the message of a spent
// one, how long a deferred batch row waits, the settings in shared/limits.ts, each function's maxInstances, and the
// engine stopping before a model call when its spend guard says so.
import { readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toCancelAnswer } from "../../../functions/src/cancel-body";
import { deferDelaySeconds, MAX_DEFER_SECONDS, MIN_DEFER_SECONDS } from "../../../shared/batch/dispatch-row";
import { createJsonlSink } from "../../../shared/builtins/jsonl-sink";
import { formatIssues } from "../../../shared/config/config-issue";
import { parseConfig } from "../../../shared/validation/validate-config";
import type { SpendGuard } from "../../../shared/engine/engine-options";
import { runTaskSteps } from "../../../shared/engine/run-task-steps";
import { LIMITS, readLimits } from "../../../shared/limits";
import { budgetRefusal, spendScopes, usd } from "../../../shared/pipeline/spend-guard";
import { parseSubmitters, submitRefusal } from "../../../shared/pipeline/submit-access";
import type { TaskEnvelope } from "../../../shared/pipeline/task-document";
import { createRuntime, type Runtime } from "../../../shared/runtime/create-runtime";
import { startStandin } from "../../../local/standin/standin-server";

describe("SUBMITTERS: who may submit", () => {
  const caller = (token: Record<string, unknown>) => ({ uid: "u1", token });
  const ada = { email: "Ada@Research.example.org", email_verified: true };

  it("defaults to any verified email address; a sign-up whose address is not verified is told how to verify it", () => {
    const rules = parseSubmitters(undefined);
    expect(rules).toEqual([{ kind: "verified" }]);
    expect(submitRefusal(rules, caller(ada))).toBeUndefined();
    expect(submitRefusal(rules, caller({ ...ada, email_verified: false }))).toBe(
      "your email address ada@research.example.org is not verified: open the verification link sent to it (or sign in with Google), then sign in again",
    );
    expect(submitRefusal(rules, caller({}))).toContain("your account has no email address");
  });

  it("admits listed addresses and domains (verified only, case-insensitively) and custom claims that are true", () => {
    const rules = parseSubmitters(" bob@example.com , @research.example.org, claim:submitter ");
    expect(rules).toEqual([
      { kind: "email", email: "bob@example.com" },
      { kind: "domain", domain: "research.example.org" },
      { kind: "claim", claim: "submitter" },
    ]);
    expect(submitRefusal(rules, caller(ada))).toBeUndefined();
    expect(submitRefusal(rules, caller({ email: "BOB@example.com", email_verified: true }))).toBeUndefined();
    expect(submitRefusal(rules, caller({ submitter: true }))).toBeUndefined();
    expect(submitRefusal(rules, caller({ submitter: "yes" }))).toBeDefined();
    expect(submitRefusal(rules, caller({ email: "bob@example.com", email_verified: false }))).toContain("is not verified");
    expect(submitRefusal(rules, caller({ email: "eve@evil.example.org", email_verified: true }))).toBe(
      "eve@evil.example.org may not submit to this project, which admits bob@example.com, verified addresses at @research.example.org, " +
        "users with the custom claim submitter; ask its operator to add you to SUBMITTERS (functions/.env)",
    );
  });

  it("refuses a setting it cannot read, naming the entry, rather than admitting anyone", () => {
    expect(() => parseSubmitters("verified,everyone")).toThrow('SUBMITTERS entry "everyone" is not a rule');
    expect(() => parseSubmitters(" , ")).toThrow("SUBMITTERS lists no rule");
  });
});

describe("budgets", () => {
  const envelope = (extra: Partial<TaskEnvelope> = {}) => ({ job_id: "j", run_id: "run2", owner_uid: "u", ...extra }) as TaskEnvelope;
  const noon = Date.UTC(2026, 11, 7, 12);

  it("apply to a task as its job, its batch and the setting say", () => {
    expect(spendScopes(envelope(), { budget_usd: 2, batch_id: "b", batch_budget_usd: 50 }, 5, noon)).toEqual({
      job: { jobId: "j", runId: "run2", budgetUsd: 2 },
      batch: { batchId: "b", budgetUsd: 50 },
      daily: { ownerUid: "u", day: "2026-12-07", ceilingUsd: 5 },
    });
    expect(spendScopes(envelope({ owner_uid: undefined }), { batch_id: "b" }, 5, noon)).toEqual({});
    expect(spendScopes(envelope(), {}, 0, noon)).toEqual({});
  });

  it("stop at the first one spent, saying which, spent against limit, and what to do", () => {
    const scopes = spendScopes(envelope(), { budget_usd: 2, batch_id: "b", batch_budget_usd: 50 }, 5, noon);
    expect(budgetRefusal(scopes, { job: 1.99, batch: 49, daily: 4.99 })).toBeUndefined();
    expect(budgetRefusal(scopes, { job: 2, batch: 60, daily: 6 })).toBe(
      "the job's budget is spent: run run2 of job j has spent $2.00 of its budget_usd of $2.00, so this model call was not made; " +
        "start the job again with a larger budget_usd (or none) to go on",
    );
    expect(budgetRefusal(scopes, { job: 1, batch: 50.5, daily: 6 })).toContain(
      "the batch's budget is spent: the runs of batch b have spent $50.50 of its budget_usd of $50.00",
    );
    expect(budgetRefusal(scopes, { job: 1, batch: 1, daily: 5 })).toContain(
      "your daily ceiling is reached: your runs have spent $5.00 on 2026-12-07 (UTC) of the $5.00 a user may spend a day (DAILY_SPEND_CEILING_USD)",
    );
    expect([usd(0), usd(0.0000231), usd(12.5)]).toEqual(["$0.00", "$0.0000231", "$12.50"]);
  });

  it("DAILY_SPEND_CEILING_USD: 0 (the default) for none, an amount of USD, a fraction allowed", () => {
    expect(readLimits({}).dailySpendCeilingUsd).toBe(0);
    expect(readLimits({ DAILY_SPEND_CEILING_USD: "2.5" }).dailySpendCeilingUsd).toBe(2.5);
    expect(() => readLimits({ DAILY_SPEND_CEILING_USD: "-1" })).toThrow(/DAILY_SPEND_CEILING_USD="-1" is not a number, 0 for no limit/);
    expect(() => readLimits({ MAX_RUNNING_JOBS_PER_USER: "2.5" })).toThrow(/is not a whole number above 0/);
  });

  it("the README's settings table lists the limits of promise 17", () => {
    const readme = readFileSync("README.md", "utf8");
    for (const spec of [LIMITS.runningJobsPerUser, LIMITS.dailySpendCeilingUsd])
      expect(readme).toContain(`| \`${spec.env}\` | ${spec.default} |`);
    expect(readme).toContain("| `SUBMITTERS` | `verified` |");
  });
});

describe("the engine under a spend guard", () => {
  let runtime: Runtime;
  beforeAll(async () => {
    runtime = await createRuntime({
      env: { RETRY_BASE_DELAY_MS: "1", RETRY_MAX_DELAY_MS: "1" },
      startStandin: () => startStandin(),
      sink: createJsonlSink(await mkdtemp(join(tmpdir(), "spend-"))),
    });
  });
  afterAll(() => runtime.close());

  const twoSteps = () => {
    const steps = ["one", "two"].map((id) => ({ id, model_query_config: { model_key: "GEMINI_FLASH", user_prompt: `step ${id}` } }));
    const parsed = parseConfig(
      "task",
      { task_id: "t", steps },
      { modelTable: runtime.engine.modelTable, functions: runtime.engine.functions },
    );
    if (!parsed.ok) throw new Error(formatIssues(parsed.issues));
    return parsed.value;
  };

  it("asks before each model call and records each priced step; a refusal fails the step unsent with budget_exceeded", async () => {
    const recorded: number[] = [];
    const guard: SpendGuard = {
      beforeModelCall: () => Promise.resolve(recorded.length ? "the job's budget is spent: ..." : undefined),
      recordStep: (cost) => Promise.resolve(void recorded.push(cost.usd)),
    };
    const record = await runTaskSteps(twoSteps(), "spend-1", { ...runtime.engine, spend: guard });
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toBeGreaterThan(0);
    expect(record.status).toBe("failed");
    expect(record.steps[1]).toMatchObject({ status: "failed", attempts: 0, usage: { total_tokens: 0 } });
    expect(record.error).toMatchObject({ code: "budget_exceeded", step_id: "two", path: "steps[1].model_query_config", retryable: false });
  });

  it("fails a step whose cost could not be recorded, rather than let the next call pass a budget unseen", async () => {
    const guard: SpendGuard = {
      beforeModelCall: () => Promise.resolve(undefined),
      recordStep: () => Promise.reject(new Error("DEADLINE_EXCEEDED")),
    };
    const record = await runTaskSteps(twoSteps(), "spend-2", { ...runtime.engine, spend: guard });
    expect(record.steps).toHaveLength(1);
    expect(record.error).toMatchObject({ code: "internal", step_id: "one" });
    expect(record.error?.message).toContain("could not be recorded for the run's budgets, so the run stops here: DEADLINE_EXCEEDED");
  });
});

describe("a deferred batch row", () => {
  it("waits long enough that a batch's waiting rows come back at a fifth of the queue's pace, jittered, within bounds", () => {
    const middle = () => 0.5;
    expect(deferDelaySeconds(1000, 5, middle)).toBe(1000); // 1,000 rows back at 1 a second
    expect(deferDelaySeconds(1, 5, middle)).toBe(MIN_DEFER_SECONDS);
    expect(deferDelaySeconds(10_000_000, 5, middle)).toBe(MAX_DEFER_SECONDS);
    expect(deferDelaySeconds(1000, 5, () => 0)).toBe(500);
    expect(deferDelaySeconds(1000, 5, () => 0.999)).toBe(1499);
  });
});

describe("the cancel callables' answers", () => {
  it("answer a cancel, and turn every refusal into the HttpsError that says why", () => {
    expect(toCancelAnswer({ kind: "cancelled", path: "jobs/j", detail: { running_task: true } })).toEqual({
      path: "jobs/j",
      status: "cancelled",
      running_task: true,
    });
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return (e as { code: string }).code;
      }
      return "none";
    };
    expect(code(() => toCancelAnswer({ kind: "not_yours", path: "jobs/j", reason: "r" }))).toBe("permission-denied");
    expect(code(() => toCancelAnswer({ kind: "not_found", path: "jobs/j", reason: "r" }))).toBe("not-found");
    expect(code(() => toCancelAnswer({ kind: "ended", path: "jobs/j", reason: "r" }))).toBe("failed-precondition");
    expect(code(() => toCancelAnswer({ kind: "invalid", issues: [{ path: "job_id", message: "m" }] }))).toBe("invalid-argument");
  });
});

describe("maxInstances", () => {
  it("is set on every deployed function", async () => {
    const fns = (await import("../../../functions/src/index")) as Record<string, { __endpoint?: { maxInstances?: unknown } } | undefined>;
    const names = Object.keys(fns).sort();
    expect(names).toEqual(
      [
        "admitBatchRow",
        "cancelBatch",
        "cancelJob",
        "pollProviderBatches",
        "resumeTask",
        "runTask",
        "settleBatches",
        "startJob",
        "submitBatch",
        "submitJob",
        "sweepTasks",
      ].sort(),
    );
    for (const name of names) expect([name, fns[name]?.__endpoint?.maxInstances]).toEqual([name, expect.any(Number)]);
  });
});
