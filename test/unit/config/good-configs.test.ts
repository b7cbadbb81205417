// Configs people write by hand that must parse: comments, trailing commas, enum names, defaults, aliases.
import { describe, expect, it } from "vitest";
import type { StepConfig, TaskConfig } from "../../../shared/config/config-schemas";
import { toGenerationConfig } from "../../../shared/config/generation-config";
import { parseJsonc, stripJsonComments } from "../../../shared/config/jsonc";
import { DEFAULT_VALIDATION, parseConfig, parseConfigText } from "../../../shared/validation/validate-config";
import { README_STEP } from "../../support/readme-step";

function ok<T>(result: { ok: true; value: T } | { ok: false; issues: { path: string; message: string }[] }): T {
  if (!result.ok) throw new Error(`expected a valid config, got:\n${result.issues.map((i) => `${i.path}: ${i.message}`).join("\n")}`);
  return result.value;
}

describe("comments and trailing commas", () => {
  it("parses the seed README's step example, whose user_prompt line ends in a // comment", () => {
    const step = ok(parseConfigText("step", README_STEP));
    expect(step.model_query_config?.user_prompt).toBe("%user_prompt%");
    expect(step.model_query_config?.parameters).toEqual({ temperature: "0.7" });
    expect(step.metadata).toEqual({ timestamp: 1741667405, source: "create_sample", version: "1.0" });
  });

  it("accepts // line comments, /* */ block comments (also over several lines) and comments before and after the value", () => {
    const text = `/* header */
      // a task written by hand
      {
        "task_id": "t1", // trailing remark
        /* a block
           over lines */
        "next_task": "t2" /* inline */
      }
      // end`;
    expect(ok(parseConfigText("task", text))).toMatchObject({ task_id: "t1", next_task: "t2" });
  });

  it("accepts trailing commas in objects and arrays, nested and followed by whitespace", () => {
    const text = `{
      "task_id": "t",
      "steps": [
        { "id": "1", "model_query_config": { "model_key": "GEMINI_FLASH", "parameters": { "stop_sequences": ["a", "b",], }, }, },
      ],
    }`;
    const task = ok(parseConfigText("task", text));
    expect(task.steps).toHaveLength(1);
    expect(task.steps[0]!.model_query_config?.parameters).toEqual({ stop_sequences: ["a", "b"] });
  });

  it("keeps // and /* */ that sit inside strings, such as URLs", () => {
    const text = `{
      "id": "1",
      "description": "see https://example.com//docs and /* not a comment */", // a real comment
      "model_query_config": { "model_key": "GEMINI_FLASH", "user_prompt": "path: a//b" }
    }`;
    const step = ok(parseConfigText("step", text));
    expect(step.description).toBe("see https://example.com//docs and /* not a comment */");
    expect(step.model_query_config?.user_prompt).toBe("path: a//b");
  });

  it("keeps commas before } or ] inside strings, and escaped quotes followed by //", () => {
    expect(parseJsonc('{"s": "a,}", "t": "x\\"//y", "u": "c:\\\\",}')).toEqual({ s: "a,}", t: 'x"//y', u: "c:\\" });
  });

  it("keeps line numbers when it removes comments, so later syntax errors point at the right line", () => {
    const stripped = stripJsonComments('{\n/* one\ntwo */\n"a": 1 // x\n}');
    expect(stripped.split("\n")).toHaveLength(5);
    expect(JSON.parse(stripped)).toEqual({ a: 1 });
  });

  it("accepts a byte-order mark at the start of the file", () => {
    expect(ok(parseConfigText("task", '\uFEFF{"task_id": "bom"}')).task_id).toBe("bom");
  });

  it("accepts a trailing comma followed by a comment", () => {
    // Hand-written configs often comment the last entry; today this is "Expected double-quoted property name".
    expect(parseJsonc('{\n  "a": 1, // the last one\n}')).toEqual({ a: 1 });
    expect(parseJsonc("[1, 2, /* end */ ]")).toEqual([1, 2]);
  });
});

describe("normalisation", () => {
  const model = { model_key: "GEMINI_FLASH" };
  const fn = { function_name: "firestore_log", request: "{}" };

  it.each([
    ["0", { step_type: 0, model_query_config: model }, 0],
    ["1", { step_type: 1, function_call_config: fn }, 1],
    ['"STEP_TYPE_MODEL_QUERY"', { step_type: "STEP_TYPE_MODEL_QUERY", model_query_config: model }, 0],
    ['"STEP_TYPE_FUNCTION_CALL"', { step_type: "STEP_TYPE_FUNCTION_CALL", function_call_config: fn }, 1],
    ["absent (the protobuf default)", { model_query_config: model }, 0],
  ])("step_type %s is normalised to the number %d", (_label, raw, expected) => {
    expect(ok(parseConfig("step", raw)).step_type).toBe(expected);
  });

  it("accepts a numeric-string timestamp (protobuf JSON writes int64 as a string) and makes it a number", () => {
    const step = ok(parseConfig("step", { model_query_config: model, metadata: { timestamp: "1741667405" } }));
    expect(step.metadata?.timestamp).toBe(1741667405);
  });

  it("fills every default of a minimal step", () => {
    const step: StepConfig = ok(parseConfig("step", { model_query_config: model }));
    expect(step).toEqual({
      id: "",
      name: "",
      description: "",
      step_type: 0,
      input_config: { payload: {} },
      output_config: { payload: {} },
      model_query_config: { model_key: "GEMINI_FLASH", parameters: {}, system_prompt: "", user_prompt: "" },
    });
  });

  it("fills the request default of a function-call step", () => {
    const step = ok(parseConfig("step", { step_type: 1, function_call_config: { function_name: "gcp_firestore_log" } }));
    expect(step.function_call_config).toEqual({ function_name: "gcp_firestore_log", request: "" });
  });

  it("fills every default of an empty task", () => {
    const task: TaskConfig = ok(parseConfig("task", {}));
    expect(task).toEqual({ task_id: "", input_config: { payload: {} }, steps: [], output_config: { payload: {} }, next_task: "" });
  });

  it("fills the defaults of a job: status queued, no chained tasks", () => {
    const job = ok(parseConfig("job", { task_config: {} }));
    expect(job).toMatchObject({ job_id: "", status: "queued", task_configs: [] });
    expect(job.max_hops).toBeUndefined();
  });

  it("keeps parameter values as written (strings stay strings) until they are mapped for the model", () => {
    const step = ok(parseConfig("step", { model_query_config: { ...model, parameters: { temperature: "0.7", top_k: 40 } } }));
    expect(step.model_query_config?.parameters).toEqual({ temperature: "0.7", top_k: 40 });
  });

  it("accepts the SDK's camelCase parameter names and maps them like the snake_case ones", () => {
    const parameters = {
      topK: "40",
      maxOutputTokens: 256,
      responseMimeType: "application/json",
      responseSchema: '{"type":"object"}',
      stopSequences: "END",
    };
    const step = ok(parseConfig("step", { model_query_config: { ...model, parameters } }));
    expect(toGenerationConfig(step.model_query_config!.parameters)).toEqual({
      config: {
        topK: 40,
        maxOutputTokens: 256,
        responseMimeType: "application/json",
        responseSchema: { type: "object" },
        stopSequences: ["END"],
      },
      issues: [],
    });
  });

  it("accepts the original function name gcp_firestore_log as well as firestore_log", () => {
    for (const function_name of ["firestore_log", "gcp_firestore_log"]) {
      expect(parseConfig("step", { step_type: 1, function_call_config: { function_name } }).ok).toBe(true);
    }
  });

  it("accepts every job status of the original", () => {
    for (const status of ["queued", "pending", "running", "success", "failed"]) {
      expect(ok(parseConfig("job", { status, task_config: {} })).status).toBe(status);
    }
  });
});

describe("valid chains", () => {
  const task = (task_id: string, next_task = "") => ({
    task_id,
    next_task,
    steps: [{ id: "1", model_query_config: { model_key: "GEMINI_FLASH" } }],
  });

  it("accepts a three-task chain that fits max_hops exactly", () => {
    const job = ok(parseConfig("job", { max_hops: 3, task_config: task("a", "b"), task_configs: [task("b", "c"), task("c")] }));
    expect(job.task_configs.map((t) => t.task_id)).toEqual(["b", "c"]);
  });

  it("resolves next_task through the task_configs library when the validation context has one", () => {
    const library = new Map<string, TaskConfig>([["lib", ok(parseConfig("task", task("lib")))]]);
    const result = parseConfig("job", { task_config: task("a", "lib") }, { ...DEFAULT_VALIDATION, libraryTasks: library });
    expect(result.ok).toBe(true);
  });

  it("accepts a model key added to the model table by the user", () => {
    const ctx = {
      ...DEFAULT_VALIDATION,
      modelTable: { ...DEFAULT_VALIDATION.modelTable, MY_MODEL: { provider: "gemini" as const, model: "gemini-x" } },
    };
    expect(parseConfig("step", { model_query_config: { model_key: "MY_MODEL" } }, ctx).ok).toBe(true);
    expect(parseConfig("step", { model_query_config: { model_key: "MY_MODEL" } }).ok).toBe(false);
  });
});
