// The results page's pure parts: formatting and pace, reading documents, batch counts, config checks, emulator discovery.
import { describe, expect, it } from "vitest";
import { countRows, finalCounts } from "../../../web/src/batch-counts";
import { checkConfigText } from "../../../web/src/check-config";
import { parseEmulatorScript } from "../../../web/src/emulator-script";
import { batchPace, formatDuration, formatRate, formatUsd } from "../../../web/src/format";
import { errorLines, readBatch, readJob, readOutput } from "../../../web/src/records";
import { oneStepTask } from "../../support/sample-configs";

describe("format", () => {
  it("says durations, dollars and rates the way a person reads them", () => {
    expect([
      formatDuration(950),
      formatDuration(2400),
      formatDuration(185_000),
      formatDuration(3_720_000),
      formatDuration(undefined),
    ]).toEqual(["950 ms", "2.4 s", "3 min 05 s", "1 h 02 min", "—"]);
    expect([formatUsd(0), formatUsd(0.000123456), formatUsd(12.345), formatUsd(undefined)]).toEqual(["$0", "$0.000123", "$12.35", "—"]);
    expect([formatRate(2.345), formatRate(42.4), formatRate(undefined)]).toEqual(["2.3 rows/min", "42 rows/min", "—"]);
  });

  it("works out a batch's pace since it started and the time the rest will take at that pace", () => {
    expect(batchPace(30, 90, 0, 60_000)).toEqual({ rowsPerMinute: 30, etaMs: 120_000 });
    expect(batchPace(90, 90, 0, 60_000)).toEqual({ rowsPerMinute: 90, etaMs: 0 });
    expect(batchPace(0, 90, 0, 60_000)).toEqual({});
    expect(batchPace(5, 10, undefined, 60_000)).toEqual({});
  });
});

describe("records", () => {
  it("reads a batch document as the batch engine writes it, final counts included", () => {
    const batch = readBatch("b", {
      batch_id: "b",
      status: "success",
      runs_total: 4,
      repeats: 2,
      models: [],
      variables: ["city"],
      output_variables: ["answer"],
      created_at: { toMillis: () => 1000 },
      finished_at: "1970-01-01T00:00:05.000Z",
      final_counts: { success: 3, failed: 1 },
      final_usage: { prompt_tokens: 1, output_tokens: 2, total_tokens: 3 },
    });
    expect(batch).toMatchObject({
      id: "b",
      status: "success",
      total: 4,
      variables: ["city"],
      outputVariables: ["answer"],
      createdAtMs: 1000,
      finishedAtMs: 5000,
    });
    expect(finalCounts(batch)).toEqual({ succeeded: 3, failed: 1, cancelled: 0, tokens: 3 });
    expect(finalCounts(readBatch("r", { status: "running", runs_total: 4 }))).toBeUndefined();
  });

  it("reads a batch run's inputs from `inputs`, any other job's from its entry task's payload", () => {
    expect(
      readJob("r", {
        batch_id: "b",
        row_index: 3,
        repeat: 1,
        inputs: { city: "Oslo" },
        task_config: { input_config: { payload: { city: "Oslo", repeat: "1" } } },
      }),
    ).toMatchObject({
      batchId: "b",
      rowIndex: 3,
      repeat: 1,
      inputs: { city: "Oslo" },
    });
    expect(
      readJob("j", {
        status: "success",
        task_config: { input_config: { payload: { who: "me" } } },
        started_at: 1000,
        finished_at: 3500,
        cost: { usd: 0.5, unpriced_tokens: 0 },
      }),
    ).toMatchObject({
      inputs: { who: "me" },
      latencyMs: 2500,
      costUsd: 0.5,
    });
  });

  it("shows errors as `path: message` lines, one per validation issue when there are some", () => {
    expect(errorLines({ code: "model_error", message: "boom", path: "steps[0].model_query_config" })).toEqual([
      "steps[0].model_query_config: boom",
    ]);
    expect(
      errorLines({
        code: "invalid_config",
        message: "2 problems",
        issues: [
          { path: "a", message: "x" },
          { path: "", message: "y" },
        ],
      }),
    ).toEqual(["a: x", "y"]);
  });

  it("reads an output's steps with their interpolated prompts, response and the fields cut to fit", () => {
    const out = readOutput({
      status: "success",
      steps: [
        {
          step_id: "s",
          name: "s",
          step_type: "model_query",
          user_prompt: "hi Ana",
          response: "hello",
          status: "success",
          latency_ms: 3,
          warnings: ["w"],
          truncated: { response: 2_000_000 },
        },
      ],
    });
    expect(out.steps[0]).toMatchObject({
      stepId: "s",
      userPrompt: "hi Ana",
      response: "hello",
      warnings: ["w"],
      truncated: { response: 2_000_000 },
    });
  });

  it("reads which steps came from the response store, and how many a job's run has", () => {
    const out = readOutput({ steps: [{ step_id: "a", cached: true }, { step_id: "b", cached: false }, { step_id: "c" }] });
    expect(out.steps.map((s) => s.cached)).toEqual([true, false, false]);
    expect(readJob("j", { cached_steps: 3 }).cachedSteps).toBe(3);
    expect(readJob("j", {}).cachedSteps).toBeUndefined();
  });

  it("reads the document a function-call step wrote, so that the job view can show the row (promise 16)", () => {
    const out = readOutput({
      steps: [
        { step_id: "log", step_type: "function_call", logged_row: { collection: "Results", document_id: "r1" } },
        { step_id: "bad", step_type: "function_call", logged_row: { collection: "Results" } },
      ],
    });
    expect(out.steps.map((s) => s.loggedRow)).toEqual([{ collection: "Results", documentId: "r1" }, undefined]);
  });
});

describe("countRows", () => {
  it("counts a batch's runs by how they ended and sums their tokens and cost", () => {
    const job = (status: string, tokens: number, costUsd?: number) => ({
      id: status,
      doc: {},
      status,
      inputs: {},
      outputs: {},
      tasksDone: 0,
      usage: { prompt_tokens: 0, output_tokens: 0, total_tokens: tokens },
      ...(costUsd === undefined ? {} : { costUsd }),
    });
    expect(countRows([job("success", 10, 0.25), job("failed", 5), job("cancelled", 0), job("running", 1, 0.5)])).toEqual({
      succeeded: 1,
      failed: 1,
      cancelled: 1,
      tokens: 16,
      costUsd: 0.75,
    });
    expect(countRows([job("queued", 0)])).toEqual({ succeeded: 0, failed: 0, cancelled: 0, tokens: 0 });
  });
});

describe("checkConfigText (the engine's validation, in the page)", () => {
  it("accepts a valid job, with comments and trailing commas", () => {
    const text = `// a job\n${JSON.stringify({ job_id: "j", task_config: oneStepTask("only", "hi") }).replace(/}$/, ",}")}`;
    expect(checkConfigText(text)).toMatchObject({ kind: "job", issues: [] });
  });

  it("says every problem of a job as the callable would: path and message", () => {
    const step = { ...oneStepTask("x", "y").steps[0]!, model_query_config: { model_key: "GEMINI_FLAHS", user_promt: "typo" } };
    const check = checkConfigText(
      JSON.stringify({ task_config: { ...oneStepTask("first", "hi", {}, "nowhere"), steps: [step] }, owner_uid: "me" }),
    );
    const lines = check.issues.map((i) => `${i.path}: ${i.message}`);
    expect(lines).toContain("task_config.steps[0].model_query_config.user_promt: unknown field (check its spelling)");
    expect(lines.some((l) => l.startsWith('task_config.steps[0].model_query_config.model_key: unknown model key "GEMINI_FLAHS"'))).toBe(
      true,
    );
    expect(lines.some((l) => l.startsWith('task_config.next_task: next_task "nowhere" names no task'))).toBe(true);
    expect(lines).toContain("owner_uid: set from the caller's sign-in; leave it out");
  });

  it("accepts a next_task naming a library task when the library is known", () => {
    const text = JSON.stringify({ task_config: oneStepTask("first", "hi", {}, "headline") });
    expect(checkConfigText(text).issues).toHaveLength(1);
    expect(checkConfigText(text, new Map([["headline", oneStepTask("headline", "t") as never]])).issues).toEqual([]);
  });

  it("tells a batch by its job template and checks the template at job.*", () => {
    expect(
      checkConfigText(
        JSON.stringify({ batch_id: "b", job: { task_config: oneStepTask("t", "%city%", { city: "" }) }, rows: [{ city: "Oslo" }] }),
      ),
    ).toMatchObject({ kind: "batch", issues: [] });
    const bad = checkConfigText(JSON.stringify({ batch_id: "b", job: { task_config: { task_id: "t", steps: "none" } }, rows: [] }));
    expect(bad.kind).toBe("batch");
    expect(bad.issues[0]!.path).toMatch(/^job\.task_config\.steps/);
  });

  it("names the line and column of a syntax error", () => {
    expect(checkConfigText('{\n  "job_id": "j",\n  oops\n}').issues[0]!.message).toMatch(/^invalid JSON at line 3, column 3/);
  });
});

describe("parseEmulatorScript", () => {
  it("reads the addresses the Hosting emulator puts in its init script, and nothing when none run", () => {
    const script =
      'var firebaseConfig = {};\n  var firebaseEmulators = {\n  "auth": {\n    "host": "127.0.0.1",\n    "port": 9804,\n    "hostAndPort": "127.0.0.1:9804"\n  }\n};\n  if (firebaseEmulators) {';
    expect(parseEmulatorScript(script)).toEqual({ auth: { host: "127.0.0.1", port: 9804, hostAndPort: "127.0.0.1:9804" } });
    expect(parseEmulatorScript("var firebaseEmulators = undefined;")).toBeUndefined();
  });
});
