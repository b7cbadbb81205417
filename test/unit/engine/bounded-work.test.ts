// Issue 18 §1 in the engine and the validation, without Firestore: nothing a config or an answer holds makes the
// work of a step or a task grow past its limits (shared/limits.ts) or past linear time.
import { describe, expect, it } from "vitest";
import type { DocumentSink } from "../../../shared/builtins/builtin-function";
import { BUILTIN_FUNCTIONS } from "../../../shared/builtins/builtin-registry";
import type { TaskConfig } from "../../../shared/config/config-schemas";
import { followChain } from "../../../shared/config/follow-chain";
import { measureJson } from "../../../shared/config/json-size";
import { DEFAULT_MODEL_TABLE } from "../../../shared/providers/model-table";
import { parseConfig, type ValidationContext } from "../../../shared/validation/validate-config";
import { applyExtractRule } from "../../../shared/engine/apply-extract-rule";
import type { EngineOptions } from "../../../shared/engine/engine-options";
import { lastTagContent } from "../../../shared/engine/last-tag";
import { runTaskSteps } from "../../../shared/engine/run-task-steps";
import { DEFAULT_LIMITS, type Limits } from "../../../shared/limits";
import type { ModelProvider } from "../../../shared/models/model-provider";

type Raw = Record<string, unknown>;

const echoModel: ModelProvider = {
  name: "echo",
  generate: (request) =>
    Promise.resolve({ text: request.userPrompt, usage: { prompt_tokens: 1, output_tokens: 1, total_tokens: 2 }, finishReason: "STOP" }),
};
const nullSink: DocumentSink & { writes: number } = {
  writes: 0,
  description: "nowhere (test)",
  write: () => Promise.resolve(`row ${++nullSink.writes}`),
};

function engine(limits: Partial<Limits> = {}): EngineOptions {
  return {
    providers: { gemini: echoModel },
    modelTable: DEFAULT_MODEL_TABLE,
    functions: BUILTIN_FUNCTIONS,
    sink: nullSink,
    limits: { ...DEFAULT_LIMITS, ...limits },
    retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
    retryEnv: { sleep: async () => {}, random: () => 0, now: () => 0 },
  };
}

const validation = (limits: Partial<Limits> = {}): ValidationContext => ({
  modelTable: DEFAULT_MODEL_TABLE,
  functions: BUILTIN_FUNCTIONS,
  limits: { ...DEFAULT_LIMITS, ...limits },
});

const logStep = (id: string, request: string, inputs: Raw = {}, outputs: Raw = {}, extract?: Raw): Raw => ({
  id,
  step_type: 1,
  input_config: { payload: inputs },
  function_call_config: { function_name: "firestore_log", request },
  output_config: { payload: outputs, ...(extract ? { extract } : {}) },
});
const modelStep = (id: string, prompt: string, inputs: Raw = {}, outputs: Raw = {}, extract?: Raw): Raw => ({
  id,
  step_type: 0,
  input_config: { payload: inputs },
  model_query_config: { model_key: "GEMINI_FLASH", user_prompt: prompt },
  output_config: { payload: outputs, ...(extract ? { extract } : {}) },
});

function taskOf(raw: Raw, limits: Partial<Limits> = {}): TaskConfig {
  const parsed = parseConfig("task", raw, validation(limits));
  if (!parsed.ok) throw new Error(parsed.issues.map((i) => `${i.path}: ${i.message}`).join("\n"));
  return parsed.value;
}
const issuesOf = (type: "task" | "job", raw: Raw, limits: Partial<Limits> = {}) => {
  const parsed = parseConfig(type, raw, validation(limits));
  return parsed.ok ? [] : parsed.issues.map((i) => `${i.path}: ${i.message}`);
};

/** Elapsed milliseconds of `work`. */
function timed(work: () => void): number {
  const started = performance.now();
  work();
  return performance.now() - started;
}

describe("tag rules stay linear", () => {
  it("200,000 opening tags and no closing one: found nothing, in far less time than a quadratic scan would take", () => {
    const answer = "<a>".repeat(200_000);
    let result: ReturnType<typeof applyExtractRule> | undefined;
    // A regex tried again from every opening tag (the former engine) took minutes here; one pass takes milliseconds.
    const ms = timed(() => (result = applyExtractRule(answer, { tag: "a" })));
    expect(result).toEqual({ problem: "the answer has no <a>...</a> element" });
    expect(ms).toBeLessThan(1500);
  });

  it("200,000 opening tags with attributes and one closing tag at the end: the content from the first", () => {
    const answer = `${"<a x=1>".repeat(200_000)}last</a>`;
    let found: string | undefined;
    const ms = timed(() => (found = lastTagContent(answer, "a")));
    expect(found).toBe(`${"<a x=1>".repeat(199_999)}last`);
    expect(ms).toBeLessThan(1500);
  });

  it("takes exactly what the former regex took with its last match, on many generated answers", () => {
    const pieces = ["<a>", "</a>", "<a x>", "</a >", "<ab>", "</ab>", "<a", "</a", ">", " ", "\n", "x", "<", "/", "<a\t>"];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n < 3000; n++) {
      const answer = Array.from({ length: Math.floor(random() * 14) }, () => pieces[Math.floor(random() * pieces.length)]).join("");
      let expected: string | undefined;
      for (const match of answer.matchAll(/<a(?:\s[^>]*)?>([\s\S]*?)<\/a\s*>/g)) expected = match[1];
      expect(lastTagContent(answer, "a"), JSON.stringify(answer)).toBe(expected);
    }
  });
});

describe("regex rules run on RE2", () => {
  it('{"regex": "(a+)+$"} on forty a\'s and a "!" answers at once (JavaScript\'s engine backtracks for hours)', () => {
    let result: ReturnType<typeof applyExtractRule> | undefined;
    const ms = timed(() => (result = applyExtractRule(`${"a".repeat(40)}!`, { regex: "(a+)+$" })));
    expect(result).toEqual({ problem: "the regex does not match the answer" });
    expect(ms).toBeLessThan(1500);
  });

  it("validation refuses what RE2 cannot run in linear time, and a pattern over MAX_REGEX_PROGRAM_SIZE, naming the rule", () => {
    const step = (extract: Raw) => ({ task_id: "t", steps: [logStep("s", "{}", {}, { v: "" }, extract)] });
    expect(issuesOf("task", step({ v: { regex: "(?=a)b" } }))).toEqual([
      expect.stringMatching(/^steps\[0\]\.output_config\.extract\.v: regex does not compile: .*\(rules use RE2 syntax: no lookahead/),
    ]);
    expect(issuesOf("task", step({ v: { regex: "(a)\\1" } }))).toHaveLength(1);
    expect(issuesOf("task", step({ v: { regex: "(?:a?){300}" } }))).toEqual([
      "steps[0].output_config.extract.v: the regex compiles to a program of size 602, over MAX_REGEX_PROGRAM_SIZE (200); write a shorter pattern (fewer repeated items)",
    ]);
    expect(issuesOf("task", step({ v: { regex: "(?:a?){300}" } }), { regexProgramSize: 1000 })).toEqual([]);
  });
});

describe("a step's interpolation is measured before it is built", () => {
  it("a prompt naming a long value 1,000 times fails unsent with prompt_too_large, never building the text", async () => {
    const prompt = "%v%".repeat(1000);
    const task = taskOf({
      task_id: "t",
      input_config: { payload: { v: "x".repeat(100_000) } },
      steps: [modelStep("ask", prompt, { v: "" }, { a: "" })],
    });
    const record = await runTaskSteps(task, "exec", engine());
    expect(record.error).toMatchObject({ code: "prompt_too_large", step_id: "ask" });
    expect(record.error?.message).toContain("has 100000000 characters, over the limit of 1000000 (MAX_PROMPT_CHARS)");
  });
});

describe("work per task is bounded", () => {
  const bigRows = (steps: number) => ({
    task_id: "flood",
    input_config: { payload: { row: "r".repeat(900_000) } },
    steps: Array.from({ length: steps }, (_, i) =>
      logStep(`log-${i}`, '{"collection":"Rows","data":{"v":"%row%"}}', { row: "" }, { row: "" }),
    ),
  });

  it("1,000 firestore_log steps are refused by validation at the default MAX_STEPS_PER_TASK, naming it", () => {
    expect(issuesOf("task", bigRows(1000))).toEqual([
      'steps: task "flood" has 1000 steps, over MAX_STEPS_PER_TASK (100); split it into chained tasks (next_task)',
    ]);
  });

  it("with the step cap raised, 1,000 steps each writing 900 KB stop cleanly at MAX_RUN_CHARS with limit_exceeded", async () => {
    nullSink.writes = 0;
    const record = await runTaskSteps(taskOf(bigRows(1000), { stepsPerTask: 1000 }), "exec", engine({ stepsPerTask: 1000 }));
    expect(record.status).toBe("failed");
    expect(record.error).toMatchObject({ code: "limit_exceeded", retryable: false, path: "steps[10].function_call_config.request" });
    expect(record.error?.message).toMatch(/^task "flood" step "log-10": its run holds \d+ characters .* pass MAX_RUN_CHARS \(10000000\)/);
    expect(nullSink.writes).toBe(10);
    expect(record.steps).toHaveLength(11);
  });

  it("a task over the step cap that reaches the engine anyway fails before any step, naming the limit", async () => {
    const record = await runTaskSteps(taskOf(bigRows(3), { stepsPerTask: 3 }), "exec", engine({ stepsPerTask: 2 }));
    expect(record.error).toMatchObject({ code: "limit_exceeded", step_id: "log-2", path: "steps[2]" });
    expect(record.error?.message).toContain("over MAX_STEPS_PER_TASK (2)");
    expect(record.steps).toEqual([]);
  });

  it("an answer longer than MAX_EXTRACT_CHARS is not given to the rules: limit_exceeded naming the limit, task and step", async () => {
    const task = taskOf({
      task_id: "long",
      input_config: { payload: { v: "y".repeat(2000) } },
      steps: [modelStep("ask", "%v%", { v: "" }, { w: "" }, { w: { regex: "(y+)+$" } })],
    });
    const record = await runTaskSteps(task, "exec", engine({ extractChars: 1000 }));
    expect(record.error).toMatchObject({ code: "limit_exceeded", step_id: "ask", path: "steps[0].output_config.extract.w" });
    expect(record.error?.message).toContain('task "long" step "ask": the answer has 2000 characters, over MAX_EXTRACT_CHARS (1000)');
  });
});

describe("requests and chains", () => {
  it("measures a request's JSON size as JSON.stringify writes it, and stops early past the limit", () => {
    const value = { job: { a: ["x", 1, true, null, 'é"\n😀'], b: { c: "" }, d: undefined } };
    const exact = Buffer.byteLength(JSON.stringify(value), "utf8");
    expect(measureJson(value, 10_000)).toEqual({ over: false, bytes: exact + 2 }); // the emoji's surrogates count 6 bytes, not 4
    const huge = { rows: Array.from({ length: 1_000_000 }, () => "row") };
    expect(measureJson(huge, 1000)).toMatchObject({ over: true });
    // Deeper than any call stack: no recursion.
    let deep: unknown = [];
    for (let i = 0; i < 1_000_000; i++) deep = [deep];
    expect(measureJson(deep, 10_000_000).over).toBe(false);
  });

  it("follows a 250,000-task chain in linear work: each link looked up once, done in well under the quadratic minute", () => {
    const next = new Map(Array.from({ length: 250_000 }, (_, i) => [`t${i}`, i + 1 < 250_000 ? `t${i + 1}` : undefined]));
    let lookups = 0;
    let walk: ReturnType<typeof followChain<string>> | undefined;
    const ms = timed(() => {
      walk = followChain(
        { id: "t0", task: "t0" },
        (id) => next.get(id),
        (id) => (lookups++, next.has(id) ? id : undefined),
        Infinity,
      );
    });
    expect(walk).toMatchObject({ end: "complete" });
    expect(walk!.chain).toHaveLength(250_000);
    expect(lookups).toBe(249_999);
    expect(ms).toBeLessThan(2000);
  });

  it("a job listing more tasks than its hop limit is refused before its tasks are parsed", () => {
    const task = (id: string, next = "") => ({ task_id: id, steps: [{ broken: true }], next_task: next });
    const tasks = Array.from({ length: 150 }, (_, i) => task(`t${i + 1}`, i + 1 < 150 ? `t${i + 2}` : ""));
    expect(issuesOf("job", { task_config: task("t0", "t1"), task_configs: tasks })).toEqual([
      "task_configs: the job lists 151 tasks (task_config and 150 task_configs) but a chain runs at most 100 (max_hops, default 100); list only the chain's tasks, or raise max_hops (at most 10000)",
    ]);
  });

  it("a chain through the library past the hop limit is refused at the limit, not followed to its end", () => {
    const library = new Map(
      Array.from({ length: 5000 }, (_, i) => [`lib${i}`, taskOf({ task_id: `lib${i}`, next_task: `lib${i + 1}` })] as const),
    );
    const parsed = parseConfig(
      "job",
      { max_hops: 3, task_config: { task_id: "entry", next_task: "lib0" } },
      { ...validation(), libraryTasks: library },
    );
    expect(parsed.ok ? [] : parsed.issues).toEqual([{ path: "max_hops", message: "the chain has more than 3 tasks but max_hops is 3" }]);
  });
});
