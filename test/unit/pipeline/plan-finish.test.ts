// The finish's decisions as data, without Firestore: status, error, successor, job progress, what is too large.
import { FieldValue, type DocumentData } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../shared/validation/validate-config";
import type { TaskRecord } from "../../../shared/engine/run-record";
import { storeRunRecord } from "../../../shared/pipeline/output-document";
import { planFinish, type FinishFacts, type FinishInput, type TaskError } from "../../../shared/pipeline/plan-finish";
import type { TaskEnvelope } from "../../../shared/pipeline/task-document";
import type { Write } from "../../../shared/pipeline/writes";
import { oneStepTask } from "../../support/sample-configs";

const NOW = Date.UTC(2026, 11, 1);

function task(taskId: string, next = "", inputs: Record<string, string> = {}) {
  const parsed = parseConfig("task", oneStepTask(taskId, "hello %seed%", inputs, next));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.value;
}

function record(status: "success" | "failed", payload: Record<string, string> = { answer: "42" }): TaskRecord {
  return {
    task_id: "first",
    execution_id: "job~run1~1~first",
    status,
    output_payload: payload,
    ...(status === "failed" ? { error: { code: "model_error", message: "the model said no", retryable: false, step_id: "s" } } : {}),
    steps: [],
    usage: { prompt_tokens: 10, output_tokens: 5, total_tokens: 15 },
    latency_ms: 12.4,
    started_at: "2026-12-01T00:00:00.000Z",
    finished_at: "2026-12-01T00:00:01.000Z",
  };
}

const envelope = (extra: Partial<TaskEnvelope> = {}): TaskEnvelope => ({
  job_id: "job",
  run_id: "run1",
  hop: 1,
  status: "running",
  attempts: 1,
  ...extra,
});
const job = (extra: DocumentData = {}): DocumentData => ({
  status: "running",
  run_id: "run1",
  chain: [task("first", "second"), task("second", "", { answer: "" })],
  ...extra,
});

function facts(input: Partial<FinishInput> & { record?: TaskRecord }, extra: Partial<FinishFacts> = {}): FinishFacts {
  const full: FinishInput = { taskDocId: "job~run1~1~first", envelope: envelope(), attempt: 1, config: task("first", "second"), ...input };
  const stored = input.record ? storeRunRecord(full.taskDocId, full.attempt, input.record) : undefined;
  return { input: full, stored, job: job(), now: NOW, bareMaxHops: 100, conflicts: {}, ...extra };
}

const writeTo = (writes: Write[], path: string) => writes.find((w) => w.path === path);

describe("planFinish", () => {
  it("a task that succeeded: output created, task ended, successor created queued with its inputs bound, job moved on, in one commit", () => {
    const plan = planFinish(facts({ record: record("success") }));
    expect(plan.outcome).toEqual({ kind: "finished", status: "success", nextTaskDocId: "job~run1~2~second", jobStatus: "running" });
    expect(plan.writes.map((w) => `${w.op} ${w.path}`)).toEqual([
      "create outputs/job~run1~1~first",
      "update tasks/job~run1~1~first",
      "create tasks/job~run1~2~second",
      "update jobs/job",
    ]);
    expect(writeTo(plan.writes, "tasks/job~run1~2~second")?.data).toMatchObject({
      task_id: "second",
      status: "queued",
      attempts: 0,
      hop: 2,
      job_id: "job",
      run_id: "run1",
      previous_task_doc_id: "job~run1~1~first",
      input_config: { payload: { answer: "42" } },
    });
    expect(writeTo(plan.writes, "tasks/job~run1~1~first")?.data).toMatchObject({
      status: "success",
      next_task_doc_id: "job~run1~2~second",
      usage: { total_tokens: 15 },
      latency_ms: 12,
    });
    expect(writeTo(plan.writes, "jobs/job")?.data).toMatchObject({
      current_task_doc_id: "job~run1~2~second",
      current_task_id: "second",
      tasks_done: FieldValue.increment(1),
      "usage.total_tokens": FieldValue.increment(15),
    });
  });

  it("writes the task's cost beside its usage and adds it to the job's, a failed run's too", () => {
    for (const status of ["success", "failed"] as const) {
      const plan = planFinish(facts({ record: { ...record(status), cost: { usd: 0.0000522, unpriced_tokens: 3 } } }));
      expect(writeTo(plan.writes, "tasks/job~run1~1~first")?.data.cost).toEqual({ usd: 0.0000522, unpriced_tokens: 3 });
      expect(writeTo(plan.writes, "jobs/job")?.data).toMatchObject({
        "cost.usd": FieldValue.increment(0.0000522),
        "cost.unpriced_tokens": FieldValue.increment(3),
      });
    }
    // A record from before costs existed writes none.
    expect(writeTo(planFinish(facts({ record: record("success") })).writes, "tasks/job~run1~1~first")?.data.cost).toBeUndefined();
  });

  it("issue 19: adds the task's synchronous cost (standard_usd) to the job's only when the task has one", () => {
    const cost = { usd: 0.5, unpriced_tokens: 0, standard_usd: 1 };
    const plan = planFinish(facts({ record: { ...record("success"), cost } }));
    expect(writeTo(plan.writes, "tasks/job~run1~1~first")?.data.cost).toEqual(cost);
    expect(writeTo(plan.writes, "jobs/job")?.data).toMatchObject({
      "cost.usd": FieldValue.increment(0.5),
      "cost.standard_usd": FieldValue.increment(1),
    });
    const synchronous = planFinish(facts({ record: { ...record("success"), cost: { usd: 1, unpriced_tokens: 0 } } }));
    expect(writeTo(synchronous.writes, "jobs/job")?.data).not.toHaveProperty(["cost.standard_usd"]);
  });

  it("adds every usage class the task reports to the job's, and none it does not report", () => {
    const usage = { prompt_tokens: 100, output_tokens: 40, total_tokens: 140, cached_tokens: 60, thinking_tokens: 25 };
    const plan = planFinish(facts({ record: { ...record("success"), usage } }));
    const progress = writeTo(plan.writes, "jobs/job")!.data;
    expect(progress).toMatchObject({
      "usage.prompt_tokens": FieldValue.increment(100),
      "usage.output_tokens": FieldValue.increment(40),
      "usage.total_tokens": FieldValue.increment(140),
      "usage.cached_tokens": FieldValue.increment(60),
      "usage.thinking_tokens": FieldValue.increment(25),
    });
    expect(Object.keys(progress).filter((k) => k.startsWith("usage."))).toHaveLength(5);
    expect(writeTo(plan.writes, "tasks/job~run1~1~first")?.data.usage).toEqual(usage);
  });

  it("counts the steps answered from the response store on the task and adds them to the job's; none writes no field", () => {
    const step = (step_id: string, cached?: boolean): TaskRecord["steps"][number] => ({
      step_id,
      name: step_id,
      step_type: "model_query",
      response: "42",
      status: "success",
      latency_ms: 1,
      attempts: cached ? 0 : 1,
      usage: { prompt_tokens: 0, output_tokens: 0, total_tokens: 0 },
      warnings: [],
      ...(cached === undefined ? {} : { cached }),
    });
    const withSteps = (steps: TaskRecord["steps"]) => planFinish(facts({ record: { ...record("success"), steps } })).writes;
    const cached = withSteps([step("a", true), step("b"), step("c", true), step("d", false)]);
    expect(writeTo(cached, "tasks/job~run1~1~first")?.data.cached_steps).toBe(2);
    expect(writeTo(cached, "jobs/job")?.data.cached_steps).toEqual(FieldValue.increment(2));
    const none = withSteps([step("b"), step("d", false)]);
    expect(writeTo(none, "tasks/job~run1~1~first")?.data).not.toHaveProperty("cached_steps");
    expect(writeTo(none, "jobs/job")?.data).not.toHaveProperty("cached_steps");
  });

  it("the owner of a submitted job is carried onto the successor and the output", () => {
    const plan = planFinish(facts({ record: record("success"), envelope: envelope({ owner_uid: "alice" }) }));
    expect(writeTo(plan.writes, "tasks/job~run1~2~second")?.data.owner_uid).toBe("alice");
    expect(writeTo(plan.writes, "outputs/job~run1~1~first")?.data.owner_uid).toBe("alice");
  });

  it("the last task of a job: no successor, the job succeeds with the output payload", () => {
    const plan = planFinish(
      facts({ record: record("success"), config: task("second"), taskDocId: "job~run1~2~second", envelope: envelope({ hop: 2 }) }),
    );
    expect(plan.outcome).toEqual({ kind: "finished", status: "success", jobStatus: "success" });
    expect(writeTo(plan.writes, "jobs/job")?.data).toMatchObject({ status: "success", output_payload: { answer: "42" } });
  });

  it("a failed run fails the task and the job with the step's error, and starts nothing", () => {
    const plan = planFinish(facts({ record: record("failed") }));
    expect(plan.outcome).toEqual({ kind: "finished", status: "failed", jobStatus: "failed" });
    expect(plan.writes.some((w) => w.op === "create" && w.path.startsWith("tasks/"))).toBe(false);
    expect(writeTo(plan.writes, "jobs/job")?.data).toMatchObject({
      status: "failed",
      error: { code: "model_error", task_doc_id: "job~run1~1~first" },
    });
  });

  it("a task that never ran (invalid, out of attempts) writes no output, only its end and the job's", () => {
    const error = { code: "invalid_config" as const, message: "invalid task document", retryable: false };
    const plan = planFinish(facts({ error }));
    expect(plan.writes.map((w) => `${w.op} ${w.path}`)).toEqual(["update tasks/job~run1~1~first", "update jobs/job"]);
    expect(writeTo(plan.writes, "tasks/job~run1~1~first")?.data.error).toEqual(error);
  });

  it("a job cancelled or started again meanwhile: the task ends, no successor, the job is not touched", () => {
    for (const moved of [job({ status: "cancelled" }), job({ run_id: "run2" }), undefined]) {
      const plan = planFinish(facts({ record: record("success") }, { job: moved }));
      expect(plan.outcome).toEqual({ kind: "finished", status: "success" });
      expect(plan.writes.map((w) => w.path)).toEqual(["outputs/job~run1~1~first", "tasks/job~run1~1~first"]);
    }
  });

  it("the hop limit: the task succeeds, the job fails with hop_limit, nothing is started", () => {
    const plan = planFinish(facts({ record: record("success") }, { job: job({ max_hops: 1 }) }));
    expect(plan.outcome).toEqual({ kind: "finished", status: "success", jobStatus: "failed" });
    expect(writeTo(plan.writes, "jobs/job")?.data.error).toMatchObject({ code: "hop_limit" });
    expect(writeTo(plan.writes, "tasks/job~run1~1~first")?.data.error).toMatchObject({ code: "hop_limit" });
  });

  it("a next_task outside the job's resolved chain fails the job with invalid_config", () => {
    const plan = planFinish(facts({ record: record("success") }, { job: job({ chain: [task("first", "second")] }) }));
    expect(writeTo(plan.writes, "jobs/job")?.data.error).toMatchObject({ code: "invalid_config", path: "next_task" });
  });

  it("an output payload too large to store fails the task with output_too_large and keeps its values as overflow", () => {
    const big = "x".repeat(800_000);
    const f = facts({ record: record("success", { answer: big }) });
    const plan = planFinish(f);
    expect(plan.outcome.status).toBe("failed");
    expect(writeTo(plan.writes, "outputs/job~run1~1~first")?.data).toMatchObject({
      status: "failed",
      error: { code: "output_too_large" },
      output_payload: { answer: "…[too large: see overflow/]" },
    });
    expect(f.stored!.overflow.map((w) => w.path)).toEqual([
      "outputs/job~run1~1~first/overflow/1--1-output_payload.answer-0",
      "outputs/job~run1~1~first/overflow/1--1-output_payload.answer-1",
      "outputs/job~run1~1~first/overflow/1--1-output_payload.answer-2",
      "outputs/job~run1~1~first/overflow/1--1-output_payload.answer-3",
    ]);
  });

  it("conflicts found by an earlier commit: a leftover output fails the task without writing one; a taken successor id fails it naming the id", () => {
    const output = planFinish(facts({ record: record("success") }, { conflicts: { output: true } }));
    expect(output.writes.some((w) => w.path.startsWith("outputs/"))).toBe(false);
    expect(writeTo(output.writes, "tasks/job~run1~1~first")?.data.error).toMatchObject({ code: "conflict" });
    const successor = planFinish(facts({ record: record("success") }, { conflicts: { successor: true } }));
    expect(successor.outcome.status).toBe("failed");
    const error = writeTo(successor.writes, "tasks/job~run1~1~first")?.data.error as TaskError | undefined;
    expect(String(error?.message)).toContain("tasks/job~run1~2~second");
  });

  it("a bare task: its successor comes from the library, named after its predecessor, within the bare hop limit", () => {
    const bare = {
      taskDocId: "t1",
      envelope: { hop: 1, status: "running" as const, attempts: 1 },
      record: record("success"),
      libraryNext: task("lib"),
    };
    const plan = planFinish(facts({ ...bare, config: task("t1", "lib") }, { job: undefined }));
    expect(plan.outcome).toEqual({ kind: "finished", status: "success", nextTaskDocId: "t1~next~lib" });
    const limited = planFinish(facts({ ...bare, config: task("t1", "lib") }, { job: undefined, bareMaxHops: 1 }));
    expect(writeTo(limited.writes, "tasks/t1")?.data.error).toMatchObject({ code: "hop_limit" });
  });
});

describe("storeRunRecord", () => {
  it("keeps a record that fits as it is, with no overflow", () => {
    const stored = storeRunRecord("t", 1, record("success"));
    expect(stored).toEqual({ record: record("success"), payloadTooLarge: false, overflow: [] });
  });

  it("cuts the longest texts of a huge record and keeps them whole in pieces whose ids carry the attempt", () => {
    const prompt = "p".repeat(700_000);
    const huge: TaskRecord = {
      ...record("success"),
      steps: [
        {
          step_id: "s",
          name: "s",
          step_type: "model_query",
          user_prompt: prompt,
          response: prompt,
          status: "success",
          latency_ms: 1,
          attempts: 1,
          usage: { prompt_tokens: 0, output_tokens: 0, total_tokens: 0 },
          warnings: [],
        },
      ],
    };
    const stored = storeRunRecord("t", 3, huge);
    expect(JSON.stringify(stored.record).length).toBeLessThan(1_000_000);
    expect(stored.record.steps[0]!.truncated).toMatchObject({ response: 700_000 });
    expect(stored.overflow.every((w) => w.op === "set" && w.path.startsWith("outputs/t/overflow/3-0-"))).toBe(true);
    const pieces = stored.overflow.filter((w) => w.data.field === "response").map((w) => w.data.text as string);
    expect(pieces.join("")).toBe(prompt);
  });
});
