// `%name%` in a function-call request: JSON-escaped inside string literals, raw elsewhere and for a whole-request placeholder.
import { describe, expect, it } from "vitest";
import type { DocumentSink } from "../../../shared/builtins/builtin-function";
import { BUILTIN_FUNCTIONS } from "../../../shared/builtins/builtin-registry";
import { parseConfig } from "../../../shared/validation/validate-config";
import { interpolateRequest } from "../../../shared/engine/interpolate-request";
import { runTaskSteps } from "../../../shared/engine/run-task-steps";
import type { ModelProvider } from "../../../shared/models/model-provider";
import { DEFAULT_MODEL_TABLE } from "../../../shared/providers/model-table";

/** firestore_log's request, as the tests below build it. */
type LogRequest = { collection: string; data: Record<string, unknown> };

/** Everything a model answer could hold that breaks a naively built JSON request. */
const HOSTILE = 'He said "no"\n\\ C:\\temp\\ } { "x": 1 }\t\r\n🦉 \u0000 %other% end\\';

describe("interpolateRequest", () => {
  it("escapes a value inside a string literal as JSON string content, so the request parses to the value verbatim", () => {
    const { text, unresolved } = interpolateRequest('{"collection":"TaskLogs","data":{"answer":"%answer%"}}', { answer: HOSTILE });
    expect(unresolved).toEqual([]);
    expect(JSON.parse(text)).toEqual({ collection: "TaskLogs", data: { answer: HOSTILE } });
  });

  it('the semantics page\'s example: He said "no" and a newline', () => {
    const { text } = interpolateRequest('{"collection":"TaskLogs","data":{"answer":"%answer%"}}', { answer: 'He said "no"\n' });
    expect(text).toBe('{"collection":"TaskLogs","data":{"answer":"He said \\"no\\"\\n"}}');
  });

  it("escapes a value placed mid-string, next to other text", () => {
    const { text } = interpolateRequest('{"collection":"TaskLogs","data":{"line":"answer: %answer% (end)"}}', { answer: 'a "b"' });
    expect((JSON.parse(text) as LogRequest).data.line).toBe('answer: a "b" (end)');
  });

  it('substitutes a placeholder that is the whole request raw (the original sample\'s "request": "%data%"), surrounding whitespace kept', () => {
    const row = '{"collection":"TaskLogs","data":{"joke":"a \\"quoted\\" joke"}}';
    expect(interpolateRequest("%data%", { data: row })).toEqual({ text: row, unresolved: [] });
    expect(interpolateRequest("  %data%\n", { data: row }).text).toBe(`  ${row}\n`);
  });

  it("inserts a placeholder outside any string as written, so a value can be JSON itself", () => {
    const { text } = interpolateRequest('{"collection":"TaskLogs","data":%row%,"n":%n%}', { row: '{"a":"x\\"y"}', n: "3" });
    expect(JSON.parse(text)).toEqual({ collection: "TaskLogs", data: { a: 'x"y' }, n: 3 });
  });

  it("decides inside or outside from the template alone: escaped quotes in the template do not end a string", () => {
    const { text } = interpolateRequest('{"collection":"T","data":{"q":"say \\"%a%\\" then","raw":%b%}}', { a: 'x"y', b: "[1]" });
    expect(JSON.parse(text)).toEqual({ collection: "T", data: { q: 'say "x"y" then', raw: [1] } });
  });

  it("a value full of quotes does not flip the state for the placeholders after it", () => {
    const { text } = interpolateRequest('{"collection":"T","data":{"a":"%a%","b":%b%,"c":"%c%"}}', { a: '"""', b: "true", c: "\\" });
    expect(JSON.parse(text)).toEqual({ collection: "T", data: { a: '"""', b: true, c: "\\" } });
  });

  it("keeps one pass: an inserted value holding %name% is not expanded", () => {
    const { text, unresolved } = interpolateRequest('{"collection":"T","data":{"a":"%a%","b":"%b%"}}', { a: "%b%", b: "B" });
    expect((JSON.parse(text) as LogRequest).data).toEqual({ a: "%b%", b: "B" });
    expect(unresolved).toEqual([]);
  });

  it("leaves unresolved names as written and reports them once, inside or outside strings and as the whole request", () => {
    expect(interpolateRequest('{"a":"%x%","b":%y%,"c":"%x%"}', {})).toEqual({
      text: '{"a":"%x%","b":%y%,"c":"%x%"}',
      unresolved: ["x", "y"],
    });
    expect(interpolateRequest("%data%", {})).toEqual({ text: "%data%", unresolved: ["data"] });
  });

  it("refuses a value outside any string that is not exactly one JSON value, naming the variable, once", () => {
    const injected = '{"k":1},"collection":"elsewhere","document_id":"x"';
    const { refused } = interpolateRequest('{"collection":"T","data":%row%,"again":%row%,"n":%n%}', { row: injected, n: "3" });
    expect(refused).toHaveLength(1);
    expect(refused![0]).toMatch(/^%row% stands outside a JSON string, so its value must be exactly one JSON value .*, and it is not \(/);
    expect(refused![0]).toMatch(/put the placeholder inside quotes \("%row%"\) to write the value as text$/);
    for (const bad of ["", "1 2", "[1]]", "{} {}", "not json", '"open'])
      expect(interpolateRequest('{"data":%v%}', { v: bad }).refused, JSON.stringify(bad)).toHaveLength(1);
  });

  it("accepts any one whole JSON value outside strings, whitespace around it included", () => {
    for (const good of ['{"a":[1,{"b":null}]}', " [1, 2] ", "-1.5e3", "true", "null", '"a \\"quoted\\" text"'])
      expect(interpolateRequest('{"data":%v%}', { v: good }).refused, good).toBeUndefined();
  });

  it("keeps checking nothing inside strings, nor a request that is a single placeholder", () => {
    expect(interpolateRequest('{"data":"%v%"}', { v: "} not json {" }).refused).toBeUndefined();
    expect(interpolateRequest("%v%", { v: "not json" }).refused).toBeUndefined();
  });

  it("leaves stray percent signs alone, as prompts do", () => {
    expect(interpolateRequest('{"collection":"T","data":{"off":"50% off %20"}}', {}).text).toBe(
      '{"collection":"T","data":{"off":"50% off %20"}}',
    );
  });
});

describe("a hostile model answer logged by firestore_log", () => {
  it("round-trips verbatim into the sink's row: quotes, backslashes, braces, newlines, emoji", async () => {
    const model: ModelProvider = {
      name: "fake",
      generate() {
        return Promise.resolve({ text: HOSTILE, usage: { prompt_tokens: 1, output_tokens: 1, total_tokens: 2 }, finishReason: "STOP" });
      },
    };
    const writes: { collection: string; data: Record<string, unknown> }[] = [];
    const sink: DocumentSink = {
      description: "test",
      write: (collection, _id, data) => {
        writes.push({ collection, data });
        return Promise.resolve("ok");
      },
    };
    const parsed = parseConfig("task", {
      task_id: "t",
      input_config: { payload: {} },
      steps: [
        {
          id: "ask",
          step_type: 0,
          model_query_config: { model_key: "GEMINI_FLASH", user_prompt: "hi" },
          output_config: { payload: { answer: "" } },
        },
        {
          id: "log",
          step_type: 1,
          input_config: { payload: { answer: "" } },
          function_call_config: { function_name: "firestore_log", request: '{"collection":"TaskLogs","data":{"answer":"%answer%"}}' },
          output_config: { payload: { result: "" } },
        },
      ],
      output_config: { payload: { result: "" } },
    });
    if (!parsed.ok) throw new Error(parsed.issues.map((i) => `${i.path}: ${i.message}`).join("\n"));
    const record = await runTaskSteps(parsed.value, "exec-1", {
      providers: { gemini: model },
      modelTable: DEFAULT_MODEL_TABLE,
      functions: BUILTIN_FUNCTIONS,
      sink,
    });
    expect(record.error).toBeUndefined();
    expect(record.status).toBe("success");
    expect(writes).toHaveLength(1);
    expect(writes[0]!.collection).toBe("TaskLogs");
    expect(writes[0]!.data.answer).toBe(HOSTILE);
    expect(record.steps[1]!.warnings).toEqual([]);
  });
});
