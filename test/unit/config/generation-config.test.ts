// toGenerationConfig: each parameter, written as a string or as a typed value, becomes the right wire field and type.
import { describe, expect, it } from "vitest";
import type { ParameterValue } from "../../../shared/config/config-schemas";
import { KNOWN_PARAMETERS, toGenerationConfig, type GenerationConfig } from "../../../shared/config/generation-config";

const map = (parameters: Record<string, ParameterValue>) => toGenerationConfig(parameters);

describe("every known parameter maps to its wire field", () => {
  // [parameter, as the original wrote it (a string), as a typed value, expected wire config]
  const cases: [string, ParameterValue, ParameterValue, GenerationConfig][] = [
    ["temperature", "0.7", 0.7, { temperature: 0.7 }],
    ["top_p", "0.95", 0.95, { topP: 0.95 }],
    ["top_k", "40", 40, { topK: 40 }],
    ["max_output_tokens", "1024", 1024, { maxOutputTokens: 1024 }],
    ["candidate_count", "1", 1, { candidateCount: 1 }],
    ["stop_sequences", '["END", "STOP"]', ["END", "STOP"], { stopSequences: ["END", "STOP"] }],
    ["response_mime_type", "text/plain", "text/plain", { responseMimeType: "text/plain" }],
    ["seed", "42", 42, { seed: 42 }],
    ["presence_penalty", "0.5", 0.5, { presencePenalty: 0.5 }],
    ["frequency_penalty", "-0.5", -0.5, { frequencyPenalty: -0.5 }],
    ["response_logprobs", "true", true, { responseLogprobs: true }],
    ["logprobs", "3", 3, { logprobs: 3 }],
    ["thinking_budget", "2048", 2048, { thinkingBudget: 2048 }],
    ["thinking_level", "low", "low", { thinkingLevel: "low" }],
  ];

  it.each(cases)("%s from the string %j and from the typed value %j", (name, asString, typed, expected) => {
    expect(map({ [name]: asString })).toEqual({ config: expected, issues: [] });
    expect(map({ [name]: typed })).toEqual({ config: expected, issues: [] });
  });

  it("response_schema from an object and from a JSON string, with the JSON mime type", () => {
    const schema = { type: "object", properties: { answer: { type: "string" } } };
    const expected = { config: { responseMimeType: "application/json", responseSchema: schema }, issues: [] };
    expect(map({ response_mime_type: "application/json", response_schema: schema })).toEqual(expected);
    expect(map({ response_mime_type: "application/json", response_schema: JSON.stringify(schema) })).toEqual(expected);
  });

  it("response_schema is also accepted with the enum mime type text/x.enum", () => {
    const schema = { type: "string", enum: ["FUNNY", "DULL"] };
    expect(map({ response_mime_type: "text/x.enum", response_schema: schema })).toEqual({
      config: { responseMimeType: "text/x.enum", responseSchema: schema },
      issues: [],
    });
  });

  it("response_logprobs false, from the string and from the boolean", () => {
    expect(map({ response_logprobs: "false" }).config).toEqual({ responseLogprobs: false });
    expect(map({ response_logprobs: false }).config).toEqual({ responseLogprobs: false });
  });

  it("the known list is exactly the 15 snake_case names, and together they cover every GenerationConfig field", () => {
    expect(KNOWN_PARAMETERS).toEqual([
      "temperature",
      "top_p",
      "top_k",
      "max_output_tokens",
      "candidate_count",
      "stop_sequences",
      "response_mime_type",
      "response_schema",
      "seed",
      "presence_penalty",
      "frequency_penalty",
      "response_logprobs",
      "logprobs",
      "thinking_budget",
      "thinking_level",
    ]);
    // thinking_budget and thinking_level exclude each other: the level is checked on its own above.
    const every = Object.fromEntries(cases.filter(([name]) => name !== "thinking_level").map(([name, asString]) => [name, asString]));
    const { config, issues } = map({ ...every, response_mime_type: "application/json", response_schema: { type: "object" } });
    expect(issues).toEqual([]);
    const fields: (keyof GenerationConfig)[] = [
      "temperature",
      "topP",
      "topK",
      "maxOutputTokens",
      "candidateCount",
      "stopSequences",
      "responseMimeType",
      "responseSchema",
      "seed",
      "presencePenalty",
      "frequencyPenalty",
      "responseLogprobs",
      "logprobs",
      "thinkingBudget",
    ];
    expect(Object.keys(config).sort()).toEqual([...fields].sort());
  });

  it("numbers come out as numbers and booleans as booleans, never as the strings they were written as", () => {
    const { config } = map({ temperature: "1", top_k: "3", response_logprobs: "true" });
    expect(typeof config.temperature).toBe("number");
    expect(typeof config.topK).toBe("number");
    expect(typeof config.responseLogprobs).toBe("boolean");
  });

  it("accepts the SDK's camelCase names for every parameter", () => {
    expect(
      map({
        topP: "0.5",
        topK: 2,
        maxOutputTokens: "10",
        candidateCount: 1,
        stopSequences: "x",
        responseMimeType: "application/json",
        responseSchema: { type: "object" },
        presencePenalty: 1,
        frequencyPenalty: "1",
        responseLogprobs: true,
      }),
    ).toEqual({
      config: {
        topP: 0.5,
        topK: 2,
        maxOutputTokens: 10,
        candidateCount: 1,
        stopSequences: ["x"],
        responseMimeType: "application/json",
        responseSchema: { type: "object" },
        presencePenalty: 1,
        frequencyPenalty: 1,
        responseLogprobs: true,
      },
      issues: [],
    });
  });

  it("an empty parameter map gives an empty config", () => {
    expect(map({})).toEqual({ config: {}, issues: [] });
  });
});

describe("range boundaries", () => {
  it.each([
    ["temperature", 0, { temperature: 0 }],
    ["temperature", "2", { temperature: 2 }],
    ["top_p", "0", { topP: 0 }],
    ["top_p", 1, { topP: 1 }],
    ["top_k", "1", { topK: 1 }],
    ["max_output_tokens", 1, { maxOutputTokens: 1 }],
    ["logprobs", 0, { logprobs: 0 }],
    ["seed", "-7", { seed: -7 }],
  ] as [string, ParameterValue, GenerationConfig][])("%s %j is accepted at the edge of its range", (name, value, expected) => {
    expect(map({ [name]: value })).toEqual({ config: expected, issues: [] });
  });
});

describe("stop_sequences forms", () => {
  it.each([
    ["one plain string", "END", ["END"]],
    ["a JSON list in a string", '["a", "b"]', ["a", "b"]],
    ["a JSON list in a string with leading space", '  ["a"]', ["a"]],
    ["an array of strings", ["a", "b"], ["a", "b"]],
    ["an empty array", [], []],
    ["a string with spaces and newline", "\n\nUser:", ["\n\nUser:"]],
  ] as [string, ParameterValue, string[]][])("%s", (_name, raw, expected) => {
    expect(map({ stop_sequences: raw })).toEqual({ config: { stopSequences: expected }, issues: [] });
  });

  it.each([
    ["a number", 5, "the number 5"],
    ["an array holding a number", ["a", 1], "an array"],
    ["an object", { a: "b" }, "an object"],
    ["a JSON list holding a number", "[1]", 'the string "[1]"'],
  ] as [string, ParameterValue, string][])("rejects %s", (_name, raw, got) => {
    expect(map({ stop_sequences: raw })).toEqual({
      config: {},
      issues: [{ path: "stop_sequences", message: `expected a list of strings (or one string), got ${got}` }],
    });
  });

  it("a single stop sequence that starts with [ (like [END] or [/INST]) is one string", () => {
    // The string is tried as JSON because it starts with "[", and a parse failure becomes an error instead of [raw].
    expect(map({ stop_sequences: "[/INST]" })).toEqual({ config: { stopSequences: ["[/INST]"] }, issues: [] });
  });
});

describe("each bad value has its own message", () => {
  const cases: [string, Record<string, ParameterValue>, { path: string; message: string }[]][] = [
    ['temperature "hot"', { temperature: "hot" }, [{ path: "temperature", message: 'expected a number, got the string "hot"' }]],
    ['temperature ""', { temperature: "" }, [{ path: "temperature", message: 'expected a number, got the string ""' }]],
    ['temperature "  "', { temperature: "  " }, [{ path: "temperature", message: 'expected a number, got the string "  "' }]],
    [
      'temperature "Infinity"',
      { temperature: "Infinity" },
      [{ path: "temperature", message: 'expected a number, got the string "Infinity"' }],
    ],
    ["temperature true", { temperature: true }, [{ path: "temperature", message: "expected a number, got the boolean true" }]],
    ["temperature [0.7]", { temperature: [0.7] }, [{ path: "temperature", message: "expected a number, got an array" }]],
    ["temperature 2.01", { temperature: 2.01 }, [{ path: "temperature", message: "must be at most 2, got 2.01" }]],
    ["temperature -1", { temperature: "-1" }, [{ path: "temperature", message: "must be at least 0, got -1" }]],
    ["top_p 1.5", { top_p: 1.5 }, [{ path: "top_p", message: "must be at most 1, got 1.5" }]],
    ["top_k 1.5", { top_k: 1.5 }, [{ path: "top_k", message: "expected a whole number, got the number 1.5" }]],
    ["top_k 0", { top_k: "0" }, [{ path: "top_k", message: "must be at least 1, got 0" }]],
    [
      'max_output_tokens "many"',
      { max_output_tokens: "many" },
      [{ path: "max_output_tokens", message: 'expected a number, got the string "many"' }],
    ],
    ["candidate_count 2", { candidate_count: "2" }, [{ path: "candidate_count", message: "must be at most 1, got 2" }]],
    ["seed 0.5", { seed: 0.5 }, [{ path: "seed", message: "expected a whole number, got the number 0.5" }]],
    ["logprobs -1", { logprobs: -1 }, [{ path: "logprobs", message: "must be at least 0, got -1" }]],
    [
      'response_logprobs "TRUE"',
      { response_logprobs: "TRUE" },
      [{ path: "response_logprobs", message: 'expected true or false, got the string "TRUE"' }],
    ],
    ["response_logprobs 1", { response_logprobs: 1 }, [{ path: "response_logprobs", message: "expected true or false, got the number 1" }]],
    ["response_mime_type 1", { response_mime_type: 1 }, [{ path: "response_mime_type", message: "expected a string, got the number 1" }]],
    [
      "response_mime_type text/html",
      { response_mime_type: "text/html" },
      [
        {
          path: "response_mime_type",
          message: 'unsupported response_mime_type "text/html"; use one of text/plain, application/json, text/x.enum',
        },
      ],
    ],
    [
      "response_schema without a mime type",
      { response_schema: { type: "object" } },
      [{ path: "response_schema", message: 'response_schema needs response_mime_type "application/json"' }],
    ],
    [
      "response_schema with text/plain",
      { response_mime_type: "text/plain", response_schema: '{"type":"object"}' },
      [{ path: "response_schema", message: 'response_schema needs response_mime_type "application/json"' }],
    ],
    [
      "response_schema that is a JSON array",
      { response_mime_type: "application/json", response_schema: "[1]" },
      [{ path: "response_schema", message: 'expected a JSON object (or a string holding one), got the string "[1]"' }],
    ],
    [
      "response_schema that is not JSON",
      { response_mime_type: "application/json", response_schema: "{type: object}" },
      [{ path: "response_schema", message: 'expected a JSON object (or a string holding one), got the string "{type: object}"' }],
    ],
    [
      "response_schema that is an array",
      { response_mime_type: "application/json", response_schema: [] },
      [{ path: "response_schema", message: "expected a JSON object (or a string holding one), got an array" }],
    ],
    [
      "response_schema 3",
      { response_mime_type: "application/json", response_schema: 3 },
      [{ path: "response_schema", message: "expected a JSON object (or a string holding one), got the number 3" }],
    ],
    [
      "an unknown parameter, named with its known list",
      { temprature: "0.7" },
      [{ path: "temprature", message: `unknown parameter "temprature"; known: ${KNOWN_PARAMETERS.join(", ")}` }],
    ],
    [
      "an unknown parameter whose name is not an identifier, as a bracket path",
      { "top k": 1 },
      [{ path: '["top k"]', message: `unknown parameter "top k"; known: ${KNOWN_PARAMETERS.join(", ")}` }],
    ],
  ];

  it.each(cases)("%s", (_name, parameters, issues) => {
    expect(map(parameters).issues).toEqual(issues);
  });

  it("collects every bad parameter in order and still converts the good ones", () => {
    const result = map({ temperature: "hot", top_k: "3", top_p: 2, stop_sequences: "END", nonsense: 1 });
    expect(result.config).toEqual({ topK: 3, stopSequences: ["END"] });
    expect(result.issues.map((i) => i.path)).toEqual(["temperature", "top_p", "nonsense"]);
  });

  it("an unsupported mime type with a schema reports both problems", () => {
    expect(map({ response_mime_type: "text/html", response_schema: { type: "object" } }).issues.map((i) => i.path)).toEqual([
      "response_mime_type",
      "response_schema",
    ]);
  });
});
