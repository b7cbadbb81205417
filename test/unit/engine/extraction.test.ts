// output_config.extract: each rule on its own, its validation, and the engine applying it (or failing the step).
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BUILTIN_FUNCTIONS } from "../../../shared/builtins/builtin-registry";
import { createJsonlSink } from "../../../shared/builtins/jsonl-sink";
import { formatIssues } from "../../../shared/config/config-issue";
import type { TaskConfig } from "../../../shared/config/config-schemas";
import { parseConfig } from "../../../shared/validation/validate-config";
import { applyExtractRule } from "../../../shared/engine/apply-extract-rule";
import { runTaskSteps } from "../../../shared/engine/run-task-steps";
import type { EngineOptions } from "../../../shared/engine/engine-options";
import type { ModelProvider } from "../../../shared/models/model-provider";
import { DEFAULT_MODEL_TABLE } from "../../../shared/providers/model-table";
import { createRuntime } from "../../../shared/runtime/create-runtime";
import type { Runtime } from "../../../local/standin/local-runtime";
import { sampleTagTaskConfig } from "../../../local/samples/samples";
import { startStandin } from "../../../local/standin/standin-server";
import { match } from "../../support/matchers";

type Raw = Record<string, unknown>;

describe("the rules, on an answer", () => {
  it("tag: the trimmed text inside the last <tag>...</tag>, attributes allowed", () => {
    const answer = 'I will put it in <answer>the tag</answer>. Thinking...\n<answer lang="en">\n  FUNNY \n</answer>';
    expect(applyExtractRule(answer, { tag: "answer" })).toEqual({ value: "FUNNY" });
    expect(applyExtractRule("<a.b-c>x</a.b-c>", { tag: "a.b-c" })).toEqual({ value: "x" });
    expect(applyExtractRule("<answer></answer>", { tag: "answer" })).toEqual({ value: "" });
    expect(applyExtractRule("no tags here; <answers>x</answers>", { tag: "answer" })).toEqual({
      problem: "the answer has no <answer>...</answer> element",
    });
  });

  it("json: a JSON Pointer into the answer; strings as they are, other values as JSON text", () => {
    const answer = JSON.stringify({ data: { answer: "STAY", scores: [1, 2], "a/b": { "m~n": true } } });
    expect(applyExtractRule(answer, { json: "/data/answer" })).toEqual({ value: "STAY" });
    expect(applyExtractRule(answer, { json: "/data/scores" })).toEqual({ value: "[1,2]" });
    expect(applyExtractRule(answer, { json: "/data/scores/1" })).toEqual({ value: "2" });
    expect(applyExtractRule(answer, { json: "/data/a~1b/m~0n" })).toEqual({ value: "true" });
    expect(applyExtractRule(answer, { json: "" })).toEqual({ value: answer });
    expect(applyExtractRule('```json\n{"x": 1}\n```', { json: "/x" })).toEqual({ value: "1" });
  });

  it("json: says what is missing", () => {
    expect(applyExtractRule('{"data":{}}', { json: "/data/answer" })).toEqual({ problem: "the JSON answer has nothing at /data/answer" });
    expect(applyExtractRule('{"a":[1]}', { json: "/a/3" })).toEqual({ problem: "the JSON answer has no item /a/3 (the array has 1)" });
    expect(applyExtractRule("FUNNY", { json: "/a" })).toMatchObject({ problem: match.stringMatching(/^the answer is not JSON \(/) });
  });

  it("regex: a capture group by number (default 0, the whole match) or by name, with flags", () => {
    const answer = "Verdict: funny (score 8/10)";
    expect(applyExtractRule(answer, { regex: "score (\\d+)/10", group: 1 })).toEqual({ value: "8" });
    expect(applyExtractRule(answer, { regex: "score \\d+" })).toEqual({ value: "score 8" });
    expect(applyExtractRule(answer, { regex: "verdict: (?<v>\\w+)", group: "v", flags: "i" })).toEqual({ value: "funny" });
    expect(applyExtractRule(answer, { regex: "grade (\\d)", group: 1 })).toEqual({ problem: "the regex does not match the answer" });
    expect(applyExtractRule(answer, { regex: "(x)?funny", group: 1 })).toEqual({
      problem: "the regex matched, but group 1 took no part in the match",
    });
  });
});

describe("validation of output_config.extract", () => {
  const step = (extract: unknown, outputs: Raw = { verdict: "", raw: "" }, inputs: Raw = {}): Raw => ({
    id: "1",
    model_query_config: { model_key: "GEMINI_FLASH", user_prompt: "x" },
    input_config: { payload: inputs },
    output_config: { payload: outputs, extract },
  });
  const lines = (config: unknown) => {
    const parsed = parseConfig("step", config);
    return parsed.ok ? [] : formatIssues(parsed.issues).split("\n");
  };
  const E = "output_config.extract";

  it("accepts each rule kind", () => {
    expect(lines(step({ verdict: { tag: "answer" }, raw: { json: "/a/b" } }))).toEqual([]);
    expect(lines(step({ verdict: { regex: "(?<v>\\w+)", group: "v", flags: "is" } }))).toEqual([]);
  });

  it("names each problem at its variable", () => {
    expect(
      lines(
        step(
          { verdict: { tag: "answer", json: "/a" }, raw: {}, context: { tag: "x" }, missing: { tag: "x" }, topic: { tag: "x" } },
          { verdict: "", raw: "", context: "", topic: "" },
          { topic: "" },
        ),
      ),
    ).toEqual([
      `${E}.verdict: a rule takes exactly one of tag, json, regex but this one gives tag and json; write {"tag": "answer"}, {"json": "/data/answer"} or {"regex": "...", "group": 1}`,
      `${E}.raw: a rule takes exactly one of tag, json, regex but this one gives none of tag, json, regex; write {"tag": "answer"}, {"json": "/data/answer"} or {"regex": "...", "group": 1}`,
      `${E}.context: context always accumulates whole answers; extract into a variable of your own`,
      `${E}.missing: names no output of this step; declare "missing" in output_config.payload`,
      `${E}.topic: "topic" is declared as an input too, so it passes the input through and a rule would never apply; declare it as an output only`,
    ]);
  });

  it("checks a regex compiles and has its group, and a pointer's syntax", () => {
    expect(lines(step({ verdict: { regex: "(unclosed" } }))).toEqual([
      match.stringMatching(/^output_config\.extract\.verdict: regex does not compile: /),
    ]);
    expect(lines(step({ verdict: { regex: "(a)(b)", group: 3 } }))).toEqual([
      `${E}.verdict: group 3 does not exist: the regex has 2 capture groups`,
    ]);
    expect(lines(step({ verdict: { regex: "(?<x>a)", group: "y" } }))).toEqual([
      `${E}.verdict: group "y" does not exist: the regex names x`,
    ]);
    expect(lines(step({ verdict: { json: "data/answer" } }))).toEqual([
      `${E}.verdict: json must be a JSON Pointer: "" for the whole answer, or starting with "/", such as "/data/answer"; got "data/answer"`,
    ]);
    expect(lines(step({ verdict: { tag: "answer", group: 1 } }))).toEqual([`${E}.verdict: group and flags go with a regex rule only`]);
    expect(lines(step({ verdict: { tag: "<answer>" } }))).toEqual([`${E}.verdict.tag: a tag name such as answer (letters, digits, _ . -)`]);
    expect(lines(step({ verdict: { tag: "a", colour: "red" } }))).toEqual([`${E}.verdict.colour: unknown field (check its spelling)`]);
  });

  it("belongs to a step's output_config only", () => {
    const task = { task_id: "t", steps: [], output_config: { payload: { a: "" }, extract: { a: { tag: "x" } } } };
    const parsed = parseConfig("task", task);
    expect(parsed.ok ? [] : formatIssues(parsed.issues)).toBe("output_config.extract: unknown field (check its spelling)");
  });
});

describe("the engine applying the rules", () => {
  const model = (text: string): ModelProvider => ({
    name: "fake",
    generate: () => Promise.resolve({ text, usage: { prompt_tokens: 10, output_tokens: 5, total_tokens: 15 }, finishReason: "STOP" }),
  });
  const engine = (provider: ModelProvider): EngineOptions => ({
    providers: { gemini: provider },
    modelTable: DEFAULT_MODEL_TABLE,
    functions: BUILTIN_FUNCTIONS,
    sink: { description: "nowhere", write: () => Promise.resolve("nowhere") },
    retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
  });
  const task = (output_config: Raw, parameters: Raw = {}): TaskConfig => {
    const parsed = parseConfig("task", {
      task_id: "t",
      steps: [{ id: "s", model_query_config: { model_key: "GEMINI_FLASH", user_prompt: "q", parameters }, output_config }],
      output_config: { payload: { verdict: "", whole: "", score: "" } },
    });
    if (!parsed.ok) throw new Error(formatIssues(parsed.issues));
    return parsed.value;
  };

  it("gives each ruled variable what its rule finds, the others the whole answer, and context the whole answer", async () => {
    const answer = '{"verdict":"FUNNY","score":7}';
    const record = await runTaskSteps(
      task({
        payload: { verdict: "", whole: "", score: "" },
        extract: { verdict: { json: "/verdict" }, score: { regex: '"score":(\\d+)', group: 1 } },
      }),
      "e",
      engine(model(answer)),
    );
    expect(record.status).toBe("success");
    expect(record.output_payload).toEqual({ verdict: "FUNNY", whole: answer, score: "7" });
  });

  it("fails the step with extraction_failed, naming the variable and the rule, and keeps the answer", async () => {
    const record = await runTaskSteps(
      task({ payload: { verdict: "" }, extract: { verdict: { tag: "answer" } } }),
      "e",
      engine(model("FUNNY, no tags")),
    );
    expect(record.status).toBe("failed");
    expect(record.error).toMatchObject({
      code: "extraction_failed",
      step_id: "s",
      path: "steps[0].output_config.extract.verdict",
      retryable: false,
      message:
        'output "verdict" could not be extracted with the rule {"tag":"answer"}: the answer has no <answer>...</answer> element; the whole answer is in the step\'s response',
    });
    expect(record.steps[0]!.response).toBe("FUNNY, no tags");
    // The call was billed all the same.
    expect(record.steps[0]!.usage.total_tokens).toBe(15);
  });

  it("checks a JSON answer against the step's response_schema", async () => {
    const json = {
      response_mime_type: "application/json",
      response_schema: { type: "OBJECT", properties: { verdict: { type: "STRING", enum: ["FUNNY", "DULL"] } }, required: ["verdict"] },
    };
    const ok = await runTaskSteps(
      task({ payload: { verdict: "" }, extract: { verdict: { json: "/verdict" } } }, json),
      "e",
      engine(model('{"verdict":"DULL"}')),
    );
    expect(ok.output_payload.verdict).toBe("DULL");
    const bad = await runTaskSteps(task({ payload: { verdict: "" } }, json), "e", engine(model('{"verdict":"MEH","extra":1}')));
    expect(bad.error).toMatchObject({
      code: "extraction_failed",
      path: "steps[0].model_query_config.parameters.response_schema",
      message: 'the JSON answer does not match the step\'s response_schema: $.verdict: "MEH" is not one of "FUNNY", "DULL"',
    });
    const notJson = await runTaskSteps(task({ payload: { verdict: "" } }, json), "e", engine(model("DULL")));
    expect(notJson.error).toMatchObject({
      code: "extraction_failed",
      message: match.stringMatching(/^the answer is not the JSON the response_schema asks for: /),
    });
    expect(notJson.steps[0]!.response).toBe("DULL");
  });
});

describe("the sample task with a tag rule, against the stand-in", () => {
  let runtime: Runtime | undefined;
  afterAll(() => runtime?.close());

  it("takes the verdict from step 2's <answer> in two model calls instead of three", async () => {
    runtime = await createRuntime({
      env: {},
      startStandin: () => startStandin(),
      sink: createJsonlSink(await mkdtemp(join(tmpdir(), "tag-task-"))),
    });
    const parsed = parseConfig("task", sampleTagTaskConfig);
    if (!parsed.ok) throw new Error(formatIssues(parsed.issues));
    const record = await runTaskSteps(parsed.value, "tag-task-test", runtime.engine);
    expect(record.status).toBe("success");
    expect(record.steps).toHaveLength(2);
    expect(record.steps[1]!.response).toMatch(/\n<answer>stand-in answer<\/answer>$/);
    expect(record.output_payload).toEqual({ joke: record.steps[0]!.response, verdict: "stand-in answer" });
  });
});
