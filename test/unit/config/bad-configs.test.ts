// Bad step, task and job configs, each with the exact `path: message` lines a user is shown.
import { describe, expect, it } from "vitest";
import { BUILTIN_FUNCTIONS } from "../../../shared/builtins/builtin-registry";
import { formatIssues } from "../../../shared/config/config-issue";
import type { ConfigType } from "../../../shared/config/config-schemas";
import { KNOWN_PARAMETERS } from "../../../shared/config/generation-config";
import { parseConfig, parseConfigText } from "../../../shared/validation/validate-config";
import { DEFAULT_MODEL_TABLE } from "../../../shared/providers/model-table";

// The "known: ..." tails are built from the live tables so that adding a model or function does not break every row.
const KNOWN_MODELS = Object.keys(DEFAULT_MODEL_TABLE).join(", ");
const KNOWN_FUNCTIONS = Object.keys(BUILTIN_FUNCTIONS).join(", ");
const KNOWN_PARAMS = KNOWN_PARAMETERS.join(", ");
const STEP_TYPE_HELP = 'use 0 or "STEP_TYPE_MODEL_QUERY", 1 or "STEP_TYPE_FUNCTION_CALL"';

type Raw = Record<string, unknown>;
const query = (extra: Raw = {}): Raw => ({ model_key: "GEMINI_FLASH", user_prompt: "%user_prompt%", ...extra });
const modelStep = (id: string, extra: Raw = {}): Raw => ({ id, step_type: 0, model_query_config: query(), ...extra });
const withParams = (parameters: unknown): Raw => modelStep("1", { model_query_config: query({ parameters }) });
const logStep = (id: string, function_name = "firestore_log"): Raw => ({
  id,
  step_type: 1,
  function_call_config: { function_name, request: "%data%" },
});
const task = (task_id: string, next_task = "", extra: Raw = {}): Raw => ({ task_id, next_task, steps: [modelStep("1")], ...extra });

interface BadConfig {
  name: string;
  type: ConfigType;
  config: unknown;
  expected: string[];
}

/** Lines as formatIssues prints them, one per problem, in the order the validator finds them. */
function linesFor(type: ConfigType, config: unknown): string[] {
  const result = parseConfig(type, config);
  if (result.ok) return [];
  return formatIssues(result.issues).split("\n");
}

const STEP_CASES: BadConfig[] = [
  // Wrong types at the top of a step.
  {
    name: "id is a number",
    type: "step",
    config: modelStep("1", { id: 1 }),
    expected: ["id: Invalid input: expected string, received number"],
  },
  {
    name: "name is a boolean",
    type: "step",
    config: modelStep("1", { name: true }),
    expected: ["name: Invalid input: expected string, received boolean"],
  },
  {
    name: "description is an array",
    type: "step",
    config: modelStep("1", { description: [] }),
    expected: ["description: Invalid input: expected string, received array"],
  },
  { name: "the step is null", type: "step", config: null, expected: ["Invalid input: expected object, received null"] },
  { name: "the step is an array", type: "step", config: [modelStep("1")], expected: ["Invalid input: expected object, received array"] },
  {
    name: "metadata.version is a number",
    type: "step",
    config: modelStep("1", { metadata: { version: 1 } }),
    expected: ["metadata.version: Invalid input: expected string, received number"],
  },

  // model_key.
  {
    name: "model_key is missing",
    type: "step",
    config: modelStep("1", { model_query_config: { user_prompt: "hi" } }),
    expected: ["model_query_config.model_key: model_key is required"],
  },
  {
    name: "model_key is empty",
    type: "step",
    config: modelStep("1", { model_query_config: query({ model_key: "" }) }),
    expected: ["model_query_config.model_key: model_key must name a model (for example GEMINI_FLASH)"],
  },
  {
    name: "model_key is a number",
    type: "step",
    config: modelStep("1", { model_query_config: query({ model_key: 3 }) }),
    expected: ["model_query_config.model_key: expected a string, got the number 3"],
  },
  {
    name: "model_key is misspelled",
    type: "step",
    config: modelStep("1", { model_query_config: query({ model_key: "GEMINI_FLAHS" }) }),
    expected: [`model_query_config.model_key: unknown model key "GEMINI_FLAHS"; known: ${KNOWN_MODELS}`],
  },
  {
    name: "model_key in lower case",
    type: "step",
    config: modelStep("1", { model_query_config: query({ model_key: "gemini_flash" }) }),
    expected: [`model_query_config.model_key: unknown model key "gemini_flash"; known: ${KNOWN_MODELS}`],
  },

  // Functions.
  {
    name: "function_name names no built-in",
    type: "step",
    config: logStep("1", "send_email"),
    expected: [`function_call_config.function_name: unknown function "send_email"; known: ${KNOWN_FUNCTIONS}`],
  },
  {
    name: "function_name is empty",
    type: "step",
    config: logStep("1", ""),
    expected: ["function_call_config.function_name: function_name must name a built-in function"],
  },
  {
    name: "function_name is missing",
    type: "step",
    config: { step_type: 1, function_call_config: { request: "{}" } },
    expected: ["function_call_config.function_name: function_name is required"],
  },
  {
    name: "request is an object instead of a string",
    type: "step",
    config: { step_type: 1, function_call_config: { function_name: "firestore_log", request: { collection: "x" } } },
    expected: ["function_call_config.request: Invalid input: expected string, received object"],
  },

  // Unknown fields (typos).
  {
    name: "user_promt typo",
    type: "step",
    config: modelStep("1", { model_query_config: query({ user_promt: "hi" }) }),
    expected: ["model_query_config.user_promt: unknown field (check its spelling)"],
  },
  {
    name: "camelCase stepType at the top",
    type: "step",
    config: modelStep("1", { stepType: 0 }),
    expected: ["stepType: unknown field (check its spelling)"],
  },
  {
    name: "paylod typo in input_config",
    type: "step",
    config: modelStep("1", { input_config: { payload: {}, paylod: {} } }),
    expected: ["input_config.paylod: unknown field (check its spelling)"],
  },
  {
    name: "unknown metadata field",
    type: "step",
    config: modelStep("1", { metadata: { author: "me" } }),
    expected: ["metadata.author: unknown field (check its spelling)"],
  },
  {
    name: "function_call_config typo",
    type: "step",
    config: { step_type: 1, function_call_config: { function_name: "firestore_log", requets: "{}" } },
    expected: ["function_call_config.requets: unknown field (check its spelling)"],
  },

  // step_type.
  {
    name: "step_type is a wrong enum name",
    type: "step",
    config: modelStep("1", { step_type: "MODEL_QUERY" }),
    expected: [`step_type: unknown step_type "MODEL_QUERY"; ${STEP_TYPE_HELP}`],
  },
  {
    name: "step_type enum name in lower case",
    type: "step",
    config: modelStep("1", { step_type: "step_type_model_query" }),
    expected: [`step_type: unknown step_type "step_type_model_query"; ${STEP_TYPE_HELP}`],
  },
  {
    name: "step_type 0 without model_query_config",
    type: "step",
    config: { id: "1", step_type: 0 },
    expected: ["model_query_config: a model query step (step_type 0) needs model_query_config"],
  },
  {
    name: "no step_type (defaults to 0) without model_query_config",
    type: "step",
    config: { id: "1" },
    expected: ["model_query_config: a model query step (step_type 0) needs model_query_config"],
  },
  {
    name: "step_type 1 without function_call_config",
    type: "step",
    config: modelStep("1", { step_type: 1 }),
    expected: ["function_call_config: a function call step (step_type 1) needs function_call_config"],
  },
  {
    name: "STEP_TYPE_FUNCTION_CALL without function_call_config",
    type: "step",
    config: { step_type: "STEP_TYPE_FUNCTION_CALL" },
    expected: ["function_call_config: a function call step (step_type 1) needs function_call_config"],
  },

  // Payload values are text.
  {
    name: "payload value is a number",
    type: "step",
    config: modelStep("1", { input_config: { payload: { count: 1 } } }),
    expected: ['input_config.payload.count: expected a string, got the number 1: payload values are text (quote it: "1")'],
  },
  {
    name: "payload value is a boolean",
    type: "step",
    config: modelStep("1", { input_config: { payload: { flag: true } } }),
    expected: ['input_config.payload.flag: expected a string, got the boolean true: payload values are text (quote it: "true")'],
  },
  {
    name: "output payload value is null",
    type: "step",
    config: modelStep("1", { output_config: { payload: { a: null } } }),
    expected: ['output_config.payload.a: expected a string, got null: payload values are text (quote it: "null")'],
  },
  {
    name: "payload is an array",
    type: "step",
    config: modelStep("1", { input_config: { payload: ["a"] } }),
    expected: ["input_config.payload: Invalid input: expected record, received array"],
  },
  {
    name: "payload key that is not an identifier",
    type: "step",
    config: modelStep("1", { input_config: { payload: { "first name": 7 } } }),
    expected: ['input_config.payload["first name"]: expected a string, got the number 7: payload values are text (quote it: "7")'],
  },

  // Parameters.
  {
    name: "unknown parameter (temprature)",
    type: "step",
    config: withParams({ temprature: "0.7" }),
    expected: [`model_query_config.parameters.temprature: unknown parameter "temprature"; known: ${KNOWN_PARAMS}`],
  },
  {
    name: "parameter name with a hyphen",
    type: "step",
    config: withParams({ "top-k": 3 }),
    expected: [`model_query_config.parameters["top-k"]: unknown parameter "top-k"; known: ${KNOWN_PARAMS}`],
  },
  {
    name: 'temperature "hot"',
    type: "step",
    config: withParams({ temperature: "hot" }),
    expected: ['model_query_config.parameters.temperature: expected a number, got the string "hot"'],
  },
  {
    name: "temperature above 2",
    type: "step",
    config: withParams({ temperature: 3 }),
    expected: ["model_query_config.parameters.temperature: must be at most 2, got 3"],
  },
  {
    name: "temperature is null",
    type: "step",
    config: withParams({ temperature: null }),
    expected: ["model_query_config.parameters.temperature: Invalid input: expected string, received null"],
  },
  {
    name: "top_k 1.5",
    type: "step",
    config: withParams({ top_k: 1.5 }),
    expected: ["model_query_config.parameters.top_k: expected a whole number, got the number 1.5"],
  },
  {
    name: 'top_k "1.5" as a string',
    type: "step",
    config: withParams({ top_k: "1.5" }),
    expected: ['model_query_config.parameters.top_k: expected a whole number, got the string "1.5"'],
  },
  {
    name: "top_p below 0",
    type: "step",
    config: withParams({ top_p: "-0.1" }),
    expected: ["model_query_config.parameters.top_p: must be at least 0, got -0.1"],
  },
  {
    name: "max_output_tokens 0",
    type: "step",
    config: withParams({ max_output_tokens: "0" }),
    expected: ["model_query_config.parameters.max_output_tokens: must be at least 1, got 0"],
  },
  {
    name: "candidate_count 2",
    type: "step",
    config: withParams({ candidate_count: 2 }),
    expected: ["model_query_config.parameters.candidate_count: must be at most 1, got 2"],
  },
  {
    name: "response_schema without a JSON mime type",
    type: "step",
    config: withParams({ response_schema: { type: "object" } }),
    expected: ['model_query_config.parameters.response_schema: response_schema needs response_mime_type "application/json"'],
  },
  {
    name: "response_schema that is not JSON",
    type: "step",
    config: withParams({ response_mime_type: "application/json", response_schema: "{" }),
    expected: ['model_query_config.parameters.response_schema: expected a JSON object (or a string holding one), got the string "{"'],
  },
  {
    name: "unsupported response_mime_type",
    type: "step",
    config: withParams({ response_mime_type: "text/html" }),
    expected: [
      'model_query_config.parameters.response_mime_type: unsupported response_mime_type "text/html"; use one of text/plain, application/json, text/x.enum',
    ],
  },
  {
    name: 'response_logprobs "yes"',
    type: "step",
    config: withParams({ response_logprobs: "yes" }),
    expected: ['model_query_config.parameters.response_logprobs: expected true or false, got the string "yes"'],
  },
  {
    name: "stop_sequences holding a number",
    type: "step",
    config: withParams({ stop_sequences: [1] }),
    expected: ["model_query_config.parameters.stop_sequences: expected a list of strings (or one string), got an array"],
  },
  {
    name: "parameters is an array",
    type: "step",
    config: withParams(["temperature"]),
    expected: ["model_query_config.parameters: Invalid input: expected record, received array"],
  },
];

const TASK_CASES: BadConfig[] = [
  {
    name: "the issue's own example: steps[2] with a misspelled model key",
    type: "task",
    config: {
      task_id: "t",
      steps: [modelStep("1"), modelStep("2"), modelStep("3", { model_query_config: query({ model_key: "GEMINI_FLAHS" }) })],
    },
    expected: [`steps[2].model_query_config.model_key: unknown model key "GEMINI_FLAHS"; known: ${KNOWN_MODELS}`],
  },
  {
    name: "unknown function inside a task",
    type: "task",
    config: { steps: [modelStep("1"), logStep("2", "gcp_firestore_write")] },
    expected: [`steps[1].function_call_config.function_name: unknown function "gcp_firestore_write"; known: ${KNOWN_FUNCTIONS}`],
  },
  {
    name: "duplicate step ids (each repeat named, pointing at the first)",
    type: "task",
    config: { steps: [modelStep("1"), modelStep("2"), modelStep("1"), modelStep("1")] },
    expected: ['steps[2].id: duplicate step id "1" (also steps[0])', 'steps[3].id: duplicate step id "1" (also steps[0])'],
  },
  {
    name: "next_task equal to task_id",
    type: "task",
    config: task("joke", "joke"),
    expected: ['next_task: a task cannot be its own next task ("joke"); loops are not supported'],
  },
  {
    name: "steps is an object",
    type: "task",
    config: { steps: { 0: modelStep("1") } },
    expected: ["steps: Invalid input: expected array, received object"],
  },
  {
    name: "task field typo (step)",
    type: "task",
    config: { task_id: "t", step: [] },
    expected: ["step: unknown field (check its spelling)"],
  },
  {
    name: "task_id is a number",
    type: "task",
    config: { task_id: 5 },
    expected: ["task_id: Invalid input: expected string, received number"],
  },
  {
    name: "next_task is a number",
    type: "task",
    config: { task_id: "a", next_task: 2 },
    expected: ["next_task: Invalid input: expected string, received number"],
  },
  {
    name: "several semantic problems at once are all listed, in config order",
    type: "task",
    config: {
      task_id: "t",
      next_task: "t",
      steps: [
        modelStep("a", { model_query_config: query({ model_key: "GPT4" }) }),
        modelStep("b", { model_query_config: query({ parameters: { temperature: "hot", top_k: 1.5 } }) }),
        logStep("a", "nope"),
      ],
    },
    expected: [
      `steps[0].model_query_config.model_key: unknown model key "GPT4"; known: ${KNOWN_MODELS}`,
      'steps[1].model_query_config.parameters.temperature: expected a number, got the string "hot"',
      "steps[1].model_query_config.parameters.top_k: expected a whole number, got the number 1.5",
      `steps[2].function_call_config.function_name: unknown function "nope"; known: ${KNOWN_FUNCTIONS}`,
      'steps[2].id: duplicate step id "a" (also steps[0])',
      'next_task: a task cannot be its own next task ("t"); loops are not supported',
    ],
  },
  {
    name: "several shape problems at once are all listed",
    type: "task",
    config: {
      task_id: 1,
      steps: [modelStep("1", { name: 2 }), modelStep("2", { input_config: { payload: { n: 3 } } })],
      output_config: { payloads: {} },
    },
    expected: [
      "task_id: Invalid input: expected string, received number",
      "steps[0].name: Invalid input: expected string, received number",
      'steps[1].input_config.payload.n: expected a string, got the number 3: payload values are text (quote it: "3")',
      "output_config.payloads: unknown field (check its spelling)",
    ],
  },
];

const JOB_CASES: BadConfig[] = [
  {
    name: "task_config is missing",
    type: "job",
    config: { job_id: "j" },
    expected: ["task_config: Invalid input: expected object, received undefined"],
  },
  {
    name: "status is not a job status",
    type: "job",
    config: { status: "done", task_config: task("a") },
    expected: ['status: Invalid option: expected one of "queued"|"pending"|"running"|"success"|"failed"|"cancelled"'],
  },
  {
    name: "job field typo (taskconfigs)",
    type: "job",
    config: { task_config: task("a"), taskconfigs: [] },
    expected: ["taskconfigs: unknown field (check its spelling)"],
  },
  {
    name: "duplicate task ids in task_configs",
    type: "job",
    config: { task_config: task("a", "b"), task_configs: [task("b"), task("b")] },
    expected: ['task_configs[1].task_id: duplicate task_id "b" (also task_configs[0])'],
  },
  {
    name: "a chained task reusing the entry task's id",
    type: "job",
    config: { task_config: task("a", "b"), task_configs: [task("a"), task("b")] },
    expected: ['task_configs[0].task_id: duplicate task_id "a" (also task_config)'],
  },
  {
    name: "a chained task without a task_id",
    type: "job",
    config: { task_config: task("a"), task_configs: [task("")] },
    expected: ["task_configs[0].task_id: a chained task needs a task_id for next_task to name it"],
  },
  {
    name: "dangling next_task from the entry task",
    type: "job",
    config: { task_config: task("a", "b") },
    expected: ['task_config.next_task: next_task "b" names no task in this job\'s task_configs'],
  },
  {
    name: "dangling next_task further down the chain",
    type: "job",
    config: { task_config: task("a", "b"), task_configs: [task("b", "zz")] },
    expected: ['task_configs[0].next_task: next_task "zz" names no task in this job\'s task_configs'],
  },
  {
    name: "a cycle of two tasks",
    type: "job",
    config: { task_config: task("a", "b"), task_configs: [task("b", "a")] },
    expected: ['task_configs[0].next_task: the chain has a cycle: "a" -> "b" -> "a"'],
  },
  {
    name: "a cycle of three tasks",
    type: "job",
    config: { task_config: task("a", "b"), task_configs: [task("b", "c"), task("c", "a")] },
    expected: ['task_configs[1].next_task: the chain has a cycle: "a" -> "b" -> "c" -> "a"'],
  },
  {
    name: "a cycle that does not pass through the entry task",
    type: "job",
    config: { task_config: task("a", "b"), task_configs: [task("b", "c"), task("c", "b")] },
    expected: ['task_configs[1].next_task: the chain has a cycle: "a" -> "b" -> "c" -> "b"'],
  },
  {
    name: "a chained task naming itself",
    type: "job",
    config: { task_config: task("a", "b"), task_configs: [task("b", "b")] },
    expected: ['task_configs[0].next_task: a task cannot be its own next task ("b"); loops are not supported'],
  },
  {
    name: "the entry task naming itself",
    type: "job",
    config: { task_config: task("a", "a") },
    expected: ['task_config.next_task: a task cannot be its own next task ("a"); loops are not supported'],
  },
  {
    name: "more tasks than max_hops lets a chain run (refused before the tasks are checked)",
    type: "job",
    config: { max_hops: 2, task_config: task("a", "b"), task_configs: [task("b", "c"), task("c")] },
    expected: [
      "task_configs: the job lists 3 tasks (task_config and 2 task_configs) but a chain runs at most 2 (max_hops); list only the chain's tasks, or raise max_hops (at most 10000)",
    ],
  },
  {
    name: "max_hops 0",
    type: "job",
    config: { max_hops: 0, task_config: task("a") },
    expected: ["max_hops: Too small: expected number to be >0"],
  },
  {
    name: "max_hops 1.5",
    type: "job",
    config: { max_hops: 1.5, task_config: task("a") },
    expected: ["max_hops: Invalid input: expected int, received number"],
  },
  {
    name: "semantic problems in the entry task and in a chained task are all listed",
    type: "job",
    config: {
      task_config: task("a", "b", {
        steps: [modelStep("1", { model_query_config: query({ model_key: "X", parameters: { top_k: "1.5" } }) })],
      }),
      task_configs: [task("b", "", { steps: [logStep("1", "nope")] })],
    },
    expected: [
      `task_config.steps[0].model_query_config.model_key: unknown model key "X"; known: ${KNOWN_MODELS}`,
      'task_config.steps[0].model_query_config.parameters.top_k: expected a whole number, got the string "1.5"',
      `task_configs[0].steps[0].function_call_config.function_name: unknown function "nope"; known: ${KNOWN_FUNCTIONS}`,
    ],
  },
  {
    name: "shape problems across a job are all listed",
    type: "job",
    config: { job_id: 3, status: "done", task_config: task("a", "", { steps: [modelStep("1", { user_prompt: "x" })] }), task_configs: "b" },
    expected: [
      "job_id: Invalid input: expected string, received number",
      'status: Invalid option: expected one of "queued"|"pending"|"running"|"success"|"failed"|"cancelled"',
      "task_config.steps[0].user_prompt: unknown field (check its spelling)",
      "task_configs: Invalid input: expected array, received string",
    ],
  },
];

describe("bad configs are rejected with every problem as `path: message`", () => {
  const all = [...STEP_CASES, ...TASK_CASES, ...JOB_CASES];

  it("the table holds at least 40 bad configs", () => {
    expect(all.length).toBeGreaterThanOrEqual(40);
  });

  describe.each([
    ["step", STEP_CASES],
    ["task", TASK_CASES],
    ["job", JOB_CASES],
  ] as const)("%s configs", (_kind, cases) => {
    it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
      expect(linesFor(c.type, c.config)).toEqual(c.expected);
    });
  });

  it("the issue's example line reads exactly as written there", () => {
    const [line] = linesFor("task", {
      steps: [modelStep("1"), modelStep("2"), modelStep("3", { model_query_config: query({ model_key: "GEMINI_FLAHS" }) })],
    });
    expect(line).toMatch(/^steps\[2\]\.model_query_config\.model_key: unknown model key "GEMINI_FLAHS"; known: GEMINI_FLASH, /);
  });

  it("the same problems are found when the config arrives as JSONC text", () => {
    const text = `{
      // a hand-written task
      "task_id": "t",
      "steps": [
        { "id": "1", "model_query_config": { "model_key": "GEMINI_FLAHS", "user_promt": "hi", }, },
      ],
    }`;
    const result = parseConfigText("task", text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(formatIssues(result.issues).split("\n")).toEqual([
        "steps[0].model_query_config.user_promt: unknown field (check its spelling)",
        `steps[0].model_query_config.model_key: unknown model key "GEMINI_FLAHS"; known: ${Object.keys(DEFAULT_MODEL_TABLE).join(", ")}`,
      ]);
    }
  });
});

describe("invalid JSONC names the line and column", () => {
  // V8's own wording after the location differs across Node versions, so only the location prefix is exact.
  const cases: [string, string, RegExp][] = [
    ["a missing comma between properties", '{\n  "id": "1"\n  "name": "x"\n}', /^invalid JSON at line 3, column 3: /],
    ["empty text", "", /^invalid JSON at line 1, column 1: /],
    ["text after the object", '{ "id": "1" }\n}', /^invalid JSON at line 2, column 1: /],
    ["an unterminated string", '{\n "id": "unterminated\n}', /^invalid JSON at line 2, column 21: /],
    ["a leading zero in a number", '{\n  "url": "http://x//y", // c\n  "a": 01\n}', /^invalid JSON at line 3, column 9: /],
  ];
  it.each(cases)("%s", (_name, text, pattern) => {
    const result = parseConfigText("step", text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]!.path).toBe("");
    expect(result.issues[0]!.message).toMatch(pattern);
  });

  it("valid JSONC of the wrong shape is a shape error, not a syntax error", () => {
    const result = parseConfigText("step", "[1,]");
    expect(result.ok ? [] : formatIssues(result.issues).split("\n")).toEqual(["Invalid input: expected object, received array"]);
  });
});

// Each test below states what the issue asks for and fails today; see the report for the fix.
describe("problems the validator once hid or misreported", () => {
  // These assert only what the bug is about (which paths are reported, the key phrase), so a fix worded differently still passes.
  const paths = (lines: string[]) => lines.map((line) => line.slice(0, line.indexOf(": "))).sort();

  it("a numeric step_type other than 0/1 gets the same helpful message as a wrong enum name", () => {
    // Today: "step_type: Invalid input" (zod's bare union message; says neither what was wrong nor what to do).
    expect(linesFor("step", modelStep("1", { step_type: 2 }))).toEqual([`step_type: unknown step_type 2; ${STEP_TYPE_HELP}`]);
  });

  it("a non-numeric timestamp string is reported as not unix seconds, not as 'expected number, received string'", () => {
    // Today: "metadata.timestamp: Invalid input: expected number, received string", wrong since numeric strings are accepted.
    const lines = linesFor("step", modelStep("1", { metadata: { timestamp: "yesterday" } }));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^metadata\.timestamp: .*unix seconds/);
  });

  it("a payload value that is an object does not suggest quoting it as [object Object]", () => {
    const [line] = linesFor("step", modelStep("1", { input_config: { payload: { a: { b: 1 } } } }));
    expect(line).toMatch(/^input_config\.payload\.a: expected a string, got an object/);
    expect(line).not.toContain("[object Object]");
  });

  it("a bad step_type is listed together with a bad field of the same step", () => {
    // Today only the model_key line: the step-level transform never runs once a field failed.
    expect(paths(linesFor("step", { step_type: 9, model_query_config: { model_key: 5 } }))).toEqual([
      "model_query_config.model_key",
      "step_type",
    ]);
  });

  it("a missing function_call_config is listed together with another shape error of the same step", () => {
    expect(paths(linesFor("step", { name: 5, step_type: 1 }))).toEqual(["function_call_config", "name"]);
  });

  it("a shape error in one step does not hide an unknown model key in another", () => {
    // Today only steps[2] is reported: semantic checks run only when the whole shape parsed.
    const lines = linesFor("task", {
      steps: [modelStep("1"), modelStep("2", { model_query_config: query({ model_key: "GEMINI_FLAHS" }) }), { id: "3", step_type: 1 }],
    });
    expect(paths(lines)).toEqual(["steps[1].model_query_config.model_key", "steps[2].function_call_config"]);
    expect(lines).toContain(`steps[1].model_query_config.model_key: unknown model key "GEMINI_FLAHS"; known: ${KNOWN_MODELS}`);
  });

  it("a cycle is listed together with an unknown model key elsewhere in the job", () => {
    // Today the chain is checked only when every task was valid, so the cycle goes unreported.
    const lines = linesFor("job", {
      task_config: task("a", "b", { steps: [modelStep("1", { model_query_config: query({ model_key: "NOPE" }) })] }),
      task_configs: [task("b", "a")],
    });
    expect(paths(lines)).toEqual(["task_config.steps[0].model_query_config.model_key", "task_configs[0].next_task"]);
    expect(lines).toContain('task_configs[0].next_task: the chain has a cycle: "a" -> "b" -> "a"');
  });

  it("an unexpected token is located where it is, not at the end of the text (Node 20 gives no position)", () => {
    const result = parseConfigText("step", '{\n  "id": ,\n  "name": "x",\n  "description": "y"\n}\n');
    expect(result.ok ? "" : result.issues[0]!.message).toMatch(/^invalid JSON at line 2, column 9: /);
  });
});
