// Promise 17, spend and fairness, against the Firestore emulator and the model stand-in, through the real bodies: the
// admission queue's (onBatchRowDispatched, with a simulated Cloud Tasks queue that honours delays), the triggers'
// (onJobCreated, onTaskCreated), the callables' (onSubmitJob, onSubmitBatch, onCancelJob, onCancelBatch). One user's
// runs in flight are limited across jobs and batches, and their further rows wait while other users' rows run; budgets
// stop a run before its next model call; only admitted callers submit; owners, and only they, cancel. Each scenario
// adds a row to reliability.json in RELIABILITY_RESULTS_DIR (when set), recorded before its assertions.
import type { Firestore } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { onCancelBatch, onCancelJob } from "../../functions/src/cancel-body";
import { onSubmitBatch } from "../../functions/src/submit-batch-body";
import { onSubmitJob } from "../../functions/src/submit-job-body";
import { onBatchRowDispatched, onJobCreated, onTaskCreated } from "../../functions/src/trigger-bodies";
import type { RowDispatch } from "../../shared/batch/batch-schema";
import { encodeDispatch, type WireDispatch } from "../../shared/batch/dispatch-wire";
import { submitUserBatch } from "../../shared/batch/submit-user-batch";
import type { Enqueue } from "../../shared/batch/task-queue";
import { DEFAULT_VALIDATION } from "../../shared/validation/validate-config";
import { createPipelineRuntime, type PipelineRuntime } from "../../shared/pipeline/create-pipeline-deps";
import { handleTaskCreated } from "../../shared/pipeline/handle-task-created";
import { countRunsInFlight } from "../../shared/pipeline/runs-in-flight";
import { startJobRun } from "../../shared/pipeline/start-job-run";
import type { Caller } from "../../shared/pipeline/submit-access";
import { startStandin, type Standin } from "../../local/standin/standin-server";
import { gridBatch } from "../support/batch-configs";
import { readDoc, requireEmulator, uniqueId } from "../support/firestore-test-env";
import { match } from "../support/matchers";
import { writeResultRows } from "../support/reliability-rows";
import { modelStep, oneStepTask } from "../support/sample-configs";

type Doc = Record<string, unknown>;
type Outcome = "survived" | "failed clearly" | "lost";
const P17 = "17 spend and fairness";
const rows: { promise: string; fault: string; times: number; outcome: Outcome; detail: string }[] = [];
const record = (fault: string, times: number, outcome: Outcome, detail: string) =>
  rows.push({ promise: P17, fault, times, outcome, detail });

/** Runs one user may have in flight in this file: small, so that a batch of a few rows is over it. */
const LIMIT = 2;
let db: Firestore;
let standin: Standin;
let dailyCeiling: PipelineRuntime;

const errorOf = (doc: Doc | undefined) => doc?.error as { code?: string; message?: string } | undefined;
const callsWith = (marker: string) => standin.requests().filter((r) => r.userPrompt.includes(marker)).length;
const verified = (uid: string, extra: Doc = {}): Caller => ({
  uid,
  token: { email: `${uid}@example.com`, email_verified: true, ...extra },
});
const refusalOf = async (call: Promise<unknown>) =>
  call.then(
    () => undefined,
    (e: unknown) => e as { code: string; message: string },
  );

beforeAll(async () => {
  requireEmulator();
  standin = await startStandin();
  vi.spyOn(logger, "info").mockImplementation(() => undefined);
  // The trigger and callable bodies build their deps from the environment on their first call.
  Object.assign(process.env, {
    GEMINI_BASE_URL: standin.url,
    RETRY_BASE_DELAY_MS: "5",
    RETRY_MAX_DELAY_MS: "20",
    RETRY_MAX_ATTEMPTS: "3",
    MAX_RUNNING_JOBS_PER_USER: String(LIMIT),
  });
  for (const name of ["GEMINI_API_KEY", "LLM_MODEL_TABLE", "DAILY_SPEND_CEILING_USD", "SUBMITTERS"]) delete process.env[name];
  dailyCeiling = await createPipelineRuntime({ ...process.env, DAILY_SPEND_CEILING_USD: "0.000000001" });
  db = dailyCeiling.deps.db;
});
beforeEach(() => {
  standin.configure({ latencyMs: 0, rpm: 0, faults: {}, script: [], retryDelayMs: 100 });
  delete process.env.SUBMITTERS;
});
afterAll(async () => {
  const dir = process.env.RELIABILITY_RESULTS_DIR;
  if (dir) writeResultRows(dir, "spend-and-fairness.test.ts", rows);
  await dailyCeiling?.runtime.close();
  await standin?.close();
});

/**
 * Cloud Tasks as the admission queue sees it: tasks by id (a taken id answers "exists"), each due at its enqueue time
 * plus its delay on a clock the test moves, dispatched in order of due time.
 */
function simulatedQueue() {
  let now = 0;
  let seq = 0;
  const pending = new Map<string, { wire: WireDispatch; due: number; seq: number }>();
  const seen = new Set<string>();
  const enqueue: Enqueue = (dispatch: RowDispatch, taskId, options = {}) => {
    if (seen.has(taskId)) return Promise.resolve("exists");
    seen.add(taskId);
    pending.set(taskId, { wire: encodeDispatch(dispatch), due: now + (options.delaySeconds ?? 0), seq: seq++ });
    return Promise.resolve("enqueued");
  };
  const next = () => [...pending.entries()].sort(([, a], [, b]) => a.due - b.due || a.seq - b.seq)[0];
  return {
    enqueue,
    size: () => pending.size,
    now: () => now,
    /** The next task due by now, taken off the queue; undefined when none is due yet. */
    takeDue: () => {
      const first = next();
      if (!first || first[1].due > now) return undefined;
      pending.delete(first[0]);
      return first[1].wire;
    },
    /** Moves the clock to the next task's due time. */
    advance: () => {
      const first = next();
      if (first) now = Math.max(now, first[1].due);
    },
  };
}
type SimQueue = ReturnType<typeof simulatedQueue>;

/** Runs every job of `owners` that is queued or running to its end, as the startJob and runTask triggers would. */
async function runJobsInFlight(owners: readonly string[]): Promise<void> {
  for (let round = 0; round < 20; round++) {
    const jobs = await db
      .collection("jobs")
      .where("owner_uid", "in", [...owners])
      .where("status", "in", ["queued", "running"])
      .get();
    if (jobs.empty) return;
    for (const job of jobs.docs) if (job.get("status") === "queued") await onJobCreated(job.id, new Date().toISOString());
    await runQueuedTasks(jobs.docs.map((j) => j.id));
  }
  throw new Error("jobs still in flight after 20 rounds");
}

async function runQueuedTasks(jobIds: readonly string[], concurrently = false): Promise<void> {
  const tasks = (
    await Promise.all(jobIds.map((id) => db.collection("tasks").where("job_id", "==", id).where("status", "==", "queued").get()))
  )
    .flatMap((snap) => snap.docs)
    .map((d) => ({ id: d.id, event: { data: d.data(), updateTime: d.updateTime } }));
  const run = (t: (typeof tasks)[number]) => onTaskCreated(t.id, new Date().toISOString(), t.event);
  if (concurrently) await Promise.all(tasks.map(run));
  else for (const t of tasks) await run(t);
}

/** Submits a batch as `uid` (the submitBatch callable's shared body) onto `queue`. */
async function submitBatchAs(uid: string, queue: SimQueue, raw: Doc): Promise<string> {
  const result = await submitUserBatch({ db, validation: DEFAULT_VALIDATION, enqueue: queue.enqueue }, uid, { batch: raw });
  if (result.kind !== "created") throw new Error(`batch not created: ${JSON.stringify(result)}`);
  return result.batchId;
}

describe("promise 17: one user's runs in flight are limited across jobs and batches, and other users' rows keep flowing", () => {
  it("promise 17: A's batch over the limit waits in the queue while B's rows run; A's deferred rows then run, and every row succeeds", async () => {
    const [a, b] = [uniqueId("user-a"), uniqueId("user-b")];
    const queue = simulatedQueue();
    const batchA = await submitBatchAs(a, queue, gridBatch(uniqueId("fair-a"), { n: ["1", "2", "3", "4", "5", "6"] }));
    const batchB = await submitBatchAs(b, queue, gridBatch(uniqueId("fair-b"), { n: ["1", "2"] }));
    let maxInFlightA = 0;
    let deferrals = 0;
    const admittedAt: { batch: string; waitingA: number; at: number }[] = [];
    while (queue.size()) {
      for (let wire = queue.takeDue(); wire; wire = queue.takeDue()) {
        const before = queue.size();
        await onBatchRowDispatched(wire, queue.enqueue);
        const dispatched = JSON.parse(wire.dispatch) as { batch_id: string };
        if (queue.size() > before) deferrals++;
        else admittedAt.push({ batch: dispatched.batch_id, waitingA: (await jobsOf(batchA)).length, at: queue.now() });
        maxInFlightA = Math.max(maxInFlightA, await countRunsInFlight(db, a));
      }
      // Nothing more is due now: the admitted runs run to their end, then the clock moves to the next deferred row.
      await runJobsInFlight([a, b]);
      queue.advance();
    }
    await runJobsInFlight([a, b]);
    const statuses = [...(await jobsOf(batchA)), ...(await jobsOf(batchB))].map((j) => j.get("status") as string);
    const bAdmitted = admittedAt.filter((x) => x.batch === batchB);
    const bRanWhileAWaited = bAdmitted.length === 2 && bAdmitted.every((x) => x.at === 0 && x.waitingA < 6);
    const held =
      maxInFlightA <= LIMIT && deferrals > 0 && bRanWhileAWaited && statuses.length === 8 && statuses.every((s) => s === "success");
    record(
      "user A's batch of 6 rows over a limit of 2 runs in flight, user B's batch of 2 submitted after it",
      8,
      held ? "survived" : "lost",
      `A had at most ${maxInFlightA} runs in flight (limit ${LIMIT}), ${deferrals} deferrals; B's rows admitted at once while A's waited: ${bRanWhileAWaited}; rows: ${statuses.join(", ")}`,
    );
    expect(maxInFlightA).toBeLessThanOrEqual(LIMIT);
    expect(deferrals).toBeGreaterThan(0);
    expect(bRanWhileAWaited).toBe(true);
    expect(statuses).toEqual(Array(8).fill("success"));
  });

  it("promise 17: jobs from submitJob and batch runs count against one limit: a row waits behind the user's jobs, a job is refused behind their rows", async () => {
    const c = uniqueId("user-c");
    const jobIds = [];
    for (let i = 0; i < LIMIT; i++)
      jobIds.push((await onSubmitJob(verified(c), { job: { task_config: oneStepTask("t", `c job ${i}`) } })).job_id);
    const queue = simulatedQueue();
    const batchId = await submitBatchAs(c, queue, gridBatch(uniqueId("shared"), { n: ["1"] }));
    await onBatchRowDispatched(queue.takeDue(), queue.enqueue);
    const rowWaited = (await jobsOf(batchId)).length === 0 && queue.size() === 1;
    await runJobsInFlight([c]);
    queue.advance();
    await onBatchRowDispatched(queue.takeDue(), queue.enqueue);
    const rowRan = (await jobsOf(batchId)).length === 1;
    // Now the row and one more job hold both places: a third run is refused.
    await onSubmitJob(verified(c), { job: { task_config: oneStepTask("t", "c job 2") } });
    const refused = await refusalOf(onSubmitJob(verified(c), { job: { task_config: oneStepTask("t", "c job 3") } }));
    await runJobsInFlight([c]);
    const held = rowWaited && rowRan && refused?.code === "resource-exhausted";
    record(
      "a user at the limit with 2 submitted jobs, then a batch row; then at the limit with a row and a job, a third job",
      2,
      held ? "failed clearly" : "lost",
      `row waited behind the jobs: ${rowWaited}; ran once they ended: ${rowRan}; the third job: ${refused?.code ?? "accepted"} (${refused?.message ?? ""})`,
    );
    expect(rowWaited).toBe(true);
    expect(rowRan).toBe(true);
    expect(refused).toMatchObject({ code: "resource-exhausted", message: match.stringContaining("jobs or batch runs queued or running") });
  });
});

const jobsOf = async (batchId: string) => (await db.collection("jobs").where("batch_id", "==", batchId).get()).docs;

/** A task of `steps` model steps, each asking `${marker} step n`. */
function manyStepTask(marker: string, steps: number, inputs: Record<string, string> = {}) {
  return {
    task_id: "t",
    input_config: { payload: inputs },
    steps: Array.from({ length: steps }, (_, i) => modelStep(`s${i + 1}`, `${marker} step ${i + 1}`, inputs, { answer: "" })),
    output_config: { payload: { answer: "" } },
  };
}

describe("promise 17: budgets stop a run before its next model call", () => {
  it("promise 17: a job's budget_usd: the run stops before the model call after the one that reached it, failed with budget_exceeded", async () => {
    const owner = uniqueId("budget-job");
    const marker = uniqueId("jb");
    const { job_id } = await onSubmitJob(verified(owner), { job: { task_config: manyStepTask(marker, 3), budget_usd: 0.000001 } });
    await runJobsInFlight([owner]);
    const job = await readDoc(db, `jobs/${job_id}`);
    const calls = callsWith(marker);
    const message = errorOf(job)?.message ?? "";
    const held =
      job?.status === "failed" && errorOf(job)?.code === "budget_exceeded" && calls === 1 && message.includes("budget_usd of $0.00000100");
    record(
      "a job with budget_usd below one call's cost and three model steps",
      1,
      held ? "failed clearly" : "lost",
      `${calls} model call(s); job ${String(job?.status)}: ${message}`,
    );
    expect(calls).toBe(1);
    expect(job).toMatchObject({ status: "failed", error: { code: "budget_exceeded", step_id: "s2", path: "steps[1].model_query_config" } });
    expect(message).toMatch(
      /job's budget is spent: run run1 of job .* has spent \$[0-9.e-]+ of its budget_usd of \$0\.00000100, so this model call was not made; start the job again with a larger budget_usd/,
    );
  });

  it("promise 17: a batch's budget_usd: once its runs have spent it, the next rows stop before their first model call", async () => {
    const owner = uniqueId("budget-batch");
    const queue = simulatedQueue();
    const batchId = await submitBatchAs(owner, queue, { ...gridBatch(uniqueId("bb"), { n: ["1", "2", "3"] }), budget_usd: 0.000001 });
    for (let wire = queue.takeDue(); wire || queue.size(); wire = queue.takeDue()) {
      if (!wire) {
        queue.advance();
        continue;
      }
      await onBatchRowDispatched(wire, queue.enqueue);
      await runJobsInFlight([owner]); // one row at a time: each sees what the rows before it spent
    }
    const jobs = (await jobsOf(batchId)).sort((x, y) => x.id.localeCompare(y.id)).map((j) => j.data());
    const codes = jobs.map((j) => `${String(j.status)}${errorOf(j)?.code ? ` ${errorOf(j)?.code}` : ""}`);
    const held = codes.join() === ["success", "failed budget_exceeded", "failed budget_exceeded"].join();
    record(
      "a batch of 3 one-call rows whose budget_usd is below one call's cost, rows run one after another",
      3,
      held ? "failed clearly" : "lost",
      `rows: ${codes.join(", ")}; ${errorOf(jobs[1])?.message ?? ""}`,
    );
    expect(codes).toEqual(["success", "failed budget_exceeded", "failed budget_exceeded"]);
    expect(errorOf(jobs[2])?.message).toMatch(
      new RegExp(`batch's budget is spent: the runs of batch ${batchId} have spent \\$[0-9.e-]+ of its budget_usd of \\$0\\.00000100`),
    );
  });

  it("promise 17: runs of one budget in flight at once overshoot it by at most the one call each had in flight", async () => {
    const owner = uniqueId("budget-race");
    const marker = uniqueId("race");
    const queue = simulatedQueue();
    const raw = {
      batch_id: uniqueId("race"),
      job: { task_config: manyStepTask(`${marker} %n%`, 3, { n: "" }) },
      grid: { n: ["1", "2"] },
      budget_usd: 0.000001,
    };
    const batchId = await submitBatchAs(owner, queue, raw);
    for (let wire = queue.takeDue(); wire; wire = queue.takeDue()) await onBatchRowDispatched(wire, queue.enqueue);
    const jobIds = (await jobsOf(batchId)).map((j) => j.id);
    for (const id of jobIds) await onJobCreated(id, new Date().toISOString());
    standin.configure({ latencyMs: 150 }); // both runs' first calls overlap
    await runQueuedTasks(jobIds, true);
    const perRow = [1, 2].map((n) => callsWith(`${marker} ${n} step`));
    const jobs = await Promise.all(jobIds.map((id) => readDoc(db, `jobs/${id}`)));
    const held = perRow.every((n) => n <= 1) && jobs.every((j) => errorOf(j)?.code === "budget_exceeded");
    record(
      "2 rows of one batch with 3 model steps each, running at once, budget_usd below one call's cost",
      2,
      held ? "failed clearly" : "lost",
      `model calls per row: ${perRow.join(", ")} (at most the one in flight each); rows: ${jobs.map((j) => `${String(j?.status)} ${errorOf(j)?.code ?? ""}`).join(", ")}`,
    );
    expect(perRow.every((n) => n <= 1)).toBe(true);
    expect(jobs.map((j) => errorOf(j)?.code)).toEqual(["budget_exceeded", "budget_exceeded"]);
  });

  it("promise 17: DAILY_SPEND_CEILING_USD: a user's runs stop once they spent it today; another user's runs go on", async () => {
    const [spender, other] = [uniqueId("daily"), uniqueId("daily-other")];
    const marker = uniqueId("day");
    const runOwned = async (uid: string, n: number) => {
      const jobId = uniqueId(`day-${n}`);
      await db
        .doc(`jobs/${jobId}`)
        .set({ job_id: jobId, status: "queued", owner_uid: uid, task_config: oneStepTask("t", `${marker} ${uid} ${n}`) });
      const started = await startJobRun(dailyCeiling.deps, jobId, { fromStatuses: ["queued"] });
      if (started.kind !== "started") throw new Error(JSON.stringify(started));
      await handleTaskCreated(dailyCeiling.deps, started.entryTaskDocId);
      return readDoc(db, `jobs/${jobId}`);
    };
    const first = await runOwned(spender, 1);
    const second = await runOwned(spender, 2);
    const others = await runOwned(other, 1);
    const message = errorOf(second)?.message ?? "";
    const held = first?.status === "success" && errorOf(second)?.code === "budget_exceeded" && others?.status === "success";
    record(
      "a user's second job after their first spent a daily ceiling below one call's cost; another user's first job",
      3,
      held ? "failed clearly" : "lost",
      `first ${String(first?.status)}, second ${String(second?.status)} (${message}), other user's ${String(others?.status)}`,
    );
    expect([first?.status, second?.status, others?.status]).toEqual(["success", "failed", "success"]);
    expect(message).toMatch(
      /daily ceiling is reached: your runs have spent \$[0-9.e-]+ on \d{4}-\d{2}-\d{2} \(UTC\) .*DAILY_SPEND_CEILING_USD/,
    );
    expect(callsWith(`${marker} ${spender} 2`)).toBe(0);
  });

  it("promise 17: budget_usd is validated where it enters: submitJob and submitBatch refuse a bad one at its path", async () => {
    const user = verified(uniqueId("budget-bad"));
    const bad = [-1, 0, "5", 2_000_000];
    const jobPaths = [];
    for (const budget of bad) {
      const refused = await refusalOf(onSubmitJob(user, { job: { task_config: oneStepTask("t", "x"), budget_usd: budget } }));
      jobPaths.push(`${refused?.code}: ${refused?.message.split("\n")[1] ?? ""}`);
    }
    const batch = await refusalOf(onSubmitBatch(user, { batch: { ...gridBatch(uniqueId("bad"), { n: ["1"] }), budget_usd: "lots" } }));
    const held = jobPaths.every((p) => p.startsWith("invalid-argument: budget_usd: ")) && /\nbudget_usd: /.test(batch?.message ?? "");
    record(
      "budget_usd of -1, 0, a string and 2,000,000 on a job, a string on a batch",
      5,
      held ? "failed clearly" : "lost",
      [...jobPaths, batch?.message.replace(/\n/g, " ") ?? ""].join(" | "),
    );
    expect(jobPaths).toEqual([
      "invalid-argument: budget_usd: budget_usd must be above 0 (leave it out for no budget)",
      "invalid-argument: budget_usd: budget_usd must be above 0 (leave it out for no budget)",
      'invalid-argument: budget_usd: budget_usd is an amount in USD (a number such as 2.5), got the string "5"',
      "invalid-argument: budget_usd: budget_usd is at most 1000000",
    ]);
    expect(batch).toMatchObject({
      code: "invalid-argument",
      message: match.stringContaining('\nbudget_usd: budget_usd is an amount in USD (a number such as 2.5), got the string "lots"'),
    });
  });
});

describe("promise 17: who may submit is a setting the callables check", () => {
  it("promise 17: by default a sign-up without a verified email submits nothing; a verified one does; SUBMITTERS narrows it to a domain or a claim", async () => {
    const unverified: Caller = { uid: uniqueId("new"), token: { email: "new@example.com", email_verified: false } };
    const job = () => ({ job: { task_config: oneStepTask("t", "hello") } });
    const refusedJob = await refusalOf(onSubmitJob(unverified, job()));
    const refusedBatch = await refusalOf(onSubmitBatch(unverified, { batch: gridBatch(uniqueId("nv"), { n: ["1"] }) }));
    const refusedCancel = await refusalOf(onCancelJob(unverified, { job_id: "anything" }));
    const accepted = await onSubmitJob(verified(uniqueId("ok")), job());
    process.env.SUBMITTERS = "@research.example.org, claim:submitter";
    const otherDomain = await refusalOf(onSubmitJob(verified(uniqueId("out")), job()));
    const domain = await onSubmitJob({ uid: uniqueId("in"), token: { email: "ada@research.example.org", email_verified: true } }, job());
    const claim = await onSubmitJob({ uid: uniqueId("claim"), token: { submitter: true } }, job());
    process.env.SUBMITTERS = "verified, nonsense";
    const misconfigured = await refusalOf(onSubmitJob(verified(uniqueId("any")), job()));
    const codes = [refusedJob, refusedBatch, refusedCancel, otherDomain, misconfigured].map((r) => r?.code);
    const held =
      codes.join() === "permission-denied,permission-denied,permission-denied,permission-denied,failed-precondition" &&
      Boolean(accepted.job_id && domain.job_id && claim.job_id);
    record(
      "an unverified sign-up calling submitJob, submitBatch and cancelJob; an address outside SUBMITTERS; a SUBMITTERS that does not parse",
      5,
      held ? "failed clearly" : "lost",
      `refusals: ${codes.join(", ")}; "${refusedJob?.message ?? ""}"; admitted: a verified address by default, a listed domain, a claim`,
    );
    expect(codes).toEqual(["permission-denied", "permission-denied", "permission-denied", "permission-denied", "failed-precondition"]);
    expect(refusedJob?.message).toBe(
      "you may not submit a job: your email address new@example.com is not verified: open the verification link sent to it (or sign in with Google), then sign in again",
    );
    expect(otherDomain?.message).toContain(
      "which admits verified addresses at @research.example.org, users with the custom claim submitter",
    );
    expect(misconfigured?.message).toContain('SUBMITTERS entry "nonsense" is not a rule');
  });
});

describe("promise 17: owners cancel their own jobs and batches, and nobody else's", () => {
  it("promise 17: cancelJob: the owner's running job ends cancelled and runs nothing more; another user is refused and the job goes on", async () => {
    const [owner, stranger] = [uniqueId("owner"), uniqueId("stranger")];
    const job = {
      task_config: oneStepTask("first", "first", {}, "second"),
      task_configs: [oneStepTask("second", "second %answer%", { answer: "" }, "", "reply")],
    };
    const { job_id } = await onSubmitJob(verified(owner), { job });
    await onJobCreated(job_id, new Date().toISOString());
    const byStranger = await refusalOf(onCancelJob(verified(stranger), { job_id }));
    const afterStranger = (await readDoc(db, `jobs/${job_id}`))?.status;
    const cancelled = await onCancelJob(verified(owner), { job_id });
    await runQueuedTasks([job_id]);
    const tasks = (await db.collection("tasks").where("job_id", "==", job_id).get()).docs.map((d) => d.get("status") as string);
    const again = await refusalOf(onCancelJob(verified(owner), { job_id }));
    const missing = await refusalOf(onCancelJob(verified(owner), { job_id: uniqueId("no-such-job") }));
    const jobAfter = await readDoc(db, `jobs/${job_id}`);
    const held =
      byStranger?.code === "permission-denied" && afterStranger === "running" && jobAfter?.status === "cancelled" && tasks.length === 1;
    record(
      "another user's cancelJob on a running job; then its owner's; then a second cancel and an unknown id",
      4,
      held ? "failed clearly" : "lost",
      `stranger: ${byStranger?.code} (${byStranger?.message ?? ""}), job still ${String(afterStranger)}; owner: ${cancelled.status}; tasks: ${tasks.join(", ")}; again: ${again?.code}; unknown: ${missing?.code}`,
    );
    expect(byStranger).toMatchObject({
      code: "permission-denied",
      message: `jobs/${job_id} is not yours: you can cancel only what you submitted`,
    });
    expect(afterStranger).toBe("running");
    expect(cancelled).toEqual({ path: `jobs/${job_id}`, status: "cancelled", running_task: false });
    expect(jobAfter).toMatchObject({ status: "cancelled", error: { code: "cancelled", message: "cancelled by its owner" } });
    expect(tasks).toEqual(["failed"]); // the entry task, ended unrun with its job; no successor
    expect(again).toMatchObject({ code: "failed-precondition", message: `jobs/${job_id} was not cancelled: the job is cancelled` });
    expect(missing?.code).toBe("not-found");
  });

  it("promise 17: cancelBatch: the owner's batch admits no further row and its admitted rows end cancelled; another user is refused", async () => {
    const [owner, stranger] = [uniqueId("b-owner"), uniqueId("b-stranger")];
    const queue = simulatedQueue();
    const batchId = await submitBatchAs(owner, queue, gridBatch(uniqueId("cancel"), { n: ["1", "2", "3"] }));
    await onBatchRowDispatched(queue.takeDue(), queue.enqueue);
    const byStranger = await refusalOf(onCancelBatch(verified(stranger), { batch_id: batchId }));
    const statusAfterStranger = (await readDoc(db, `batches/${batchId}`))?.status;
    const cancelled = await onCancelBatch(verified(owner), { batch_id: batchId });
    for (let wire = queue.takeDue(); wire; wire = queue.takeDue()) await onBatchRowDispatched(wire, queue.enqueue);
    const jobs = (await jobsOf(batchId)).map((j) => j.get("status") as string);
    const batch = await readDoc(db, `batches/${batchId}`);
    const held =
      byStranger?.code === "permission-denied" &&
      statusAfterStranger === "running" &&
      batch?.status === "cancelled" &&
      jobs.join() === "cancelled";
    record(
      "another user's cancelBatch on a running batch; then its owner's, with one row admitted and two in the queue",
      2,
      held ? "failed clearly" : "lost",
      `stranger: ${byStranger?.code}, batch still ${String(statusAfterStranger)}; owner: ${cancelled.status} (${String(cancelled.cancelled_jobs)} job); rows: ${jobs.join(", ")}`,
    );
    expect(byStranger).toMatchObject({
      code: "permission-denied",
      message: `batches/${batchId} is not yours: you can cancel only what you submitted`,
    });
    expect(statusAfterStranger).toBe("running");
    expect(cancelled).toEqual({ path: `batches/${batchId}`, status: "cancelled", cancelled_jobs: 1 });
    expect(batch?.status).toBe("cancelled");
    expect(jobs).toEqual(["cancelled"]);
  });
});
