// The engine's data-flow rules (seed-semantics.md) proven on small hand-made chains with a recording fake model.
import { describe, expect, it } from "vitest";
import type { DocumentSink } from "../../../shared/builtins/builtin-function";
import { BUILTIN_FUNCTIONS } from "../../../shared/builtins/builtin-registry";
import type { Payload, StepConfig, TaskConfig } from "../../../shared/config/config-schemas";
import { parseConfig } from "../../../shared/validation/validate-config";
import type { EngineOptions } from "../../../shared/engine/engine-options";
import { runStep } from "../../../shared/engine/run-step";
import { runTaskSteps } from "../../../shared/engine/run-task-steps";
import { StepRecordSchema, TaskRecordSchema, type StepRecord } from "../../../shared/engine/run-record";
import { ModelCallError } from "../../../shared/models/model-call-error";
import type { ModelProvider, ModelRequest, ModelResult } from "../../../shared/models/model-provider";
import { DEFAULT_MODEL_TABLE } from "../../../shared/providers/model-table";
import { match } from "../../support/matchers";

type Raw = Record<string, unknown>;

/** A model that records every request and answers with a function of it; an Error answer is thrown. */
interface FakeModel extends ModelProvider {
  readonly requests: ModelRequest[];
}

function fakeModel(answer: (request: ModelRequest) => string | Error = (r) => `ANSWER(${r.userPrompt})`): FakeModel {
  const requests: ModelRequest[] = [];
  return {
    name: "fake",
    requests,
    generate(request): Promise<ModelResult> {
      requests.push(request);
      const text = answer(request);
      if (text instanceof Error) return Promise.reject(text);
      // Token counts derived from lengths: deterministic, and different per step so sums can be checked.
      const prompt_tokens = request.systemPrompt.length + request.userPrompt.length;
      const output_tokens = text.length;
      return Promise.resolve({
        text,
        usage: { prompt_tokens, output_tokens, total_tokens: prompt_tokens + output_tokens },
        finishReason: "STOP",
      });
    },
  };
}

interface Written {
  collection: string;
  documentId: string;
  data: Record<string, unknown>;
}

function fakeSink(fail?: () => Error): DocumentSink & { writes: Written[]; tries: number } {
  const sink = {
    writes: [] as Written[],
    tries: 0,
    description: "an in-memory list (test)",
    write(collection: string, documentId: string, data: Record<string, unknown>): Promise<string> {
      sink.tries++;
      if (fail) return Promise.reject(fail());
      sink.writes.push({ collection, documentId, data });
      return Promise.resolve(`memory:${collection}/${documentId}`);
    },
  };
  return sink;
}

function engine(model: ModelProvider, extra: Partial<EngineOptions> = {}): EngineOptions {
  return {
    providers: { gemini: model },
    modelTable: DEFAULT_MODEL_TABLE,
    functions: BUILTIN_FUNCTIONS,
    sink: fakeSink(),
    retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
    // Backoff is not what these tests prove: waits resolve at once.
    retryEnv: { sleep: async () => {}, random: () => 0, now: () => 0 },
    ...extra,
  };
}

const GEMINI_FLASH_MODEL = DEFAULT_MODEL_TABLE.GEMINI_FLASH!.model;

function modelStep(id: string, q: { system?: string; user: string; parameters?: Raw }, inputs: Payload = {}, outputs: Payload = {}): Raw {
  return {
    id,
    name: `step ${id}`,
    step_type: 0,
    input_config: { payload: inputs },
    model_query_config: { model_key: "GEMINI_FLASH", parameters: q.parameters ?? {}, system_prompt: q.system ?? "", user_prompt: q.user },
    output_config: { payload: outputs },
  };
}

function functionStep(id: string, request: string, inputs: Payload = {}, outputs: Payload = {}, function_name = "firestore_log"): Raw {
  return {
    id,
    name: `step ${id}`,
    step_type: 1,
    input_config: { payload: inputs },
    function_call_config: { function_name, request },
    output_config: { payload: outputs },
  };
}

function taskOf(steps: Raw[], inputs: Payload = {}, outputs: Payload = {}, task_id = "t"): TaskConfig {
  const result = parseConfig("task", { task_id, input_config: { payload: inputs }, steps, output_config: { payload: outputs } });
  if (!result.ok) throw new Error(result.issues.map((i) => `${i.path}: ${i.message}`).join("\n"));
  return result.value;
}

function stepOf(raw: Raw): StepConfig {
  const step = taskOf([raw]).steps[0];
  if (!step) throw new Error("no step");
  return step;
}

const ctx = (index = 0, executionId = "exec-1") => ({ executionId, index });

describe("with a fake in-process model (no HTTP)", () => {
  describe("input binding", () => {
    it("a declared input takes the running payload's value over its own default", async () => {
      const model = fakeModel();
      const step = stepOf(modelStep("s1", { user: "Tell me about %topic%" }, { topic: "cats" }));
      const { record } = await runStep(step, { topic: "dogs" }, ctx(), engine(model));
      expect(model.requests[0]!.userPrompt).toBe("Tell me about dogs");
      expect(record.warnings).toEqual([]);
    });

    it("a declared input missing from the running payload keeps its default and records a warning", async () => {
      const model = fakeModel();
      const step = stepOf(modelStep("s1", { user: "%topic% in a %tone% tone" }, { topic: "cats", tone: "dry" }));
      const { record } = await runStep(step, { topic: "dogs" }, ctx(), engine(model));
      expect(model.requests[0]!.userPrompt).toBe("dogs in a dry tone");
      expect(record.warnings).toEqual(['input "tone" is not in the running payload; using the step\'s default']);
    });

    it("context is passed into the step even when the step does not declare it; other undeclared names are not", async () => {
      const model = fakeModel();
      const step = stepOf(modelStep("s1", { user: "%context% / %other%" }));
      const { record } = await runStep(step, { context: "earlier answer", other: "x" }, ctx(), engine(model));
      expect(model.requests[0]!.userPrompt).toBe("earlier answer / %other%");
      expect(record.warnings).toEqual(["%other% in user_prompt names no input (inputs: context); left as written"]);
    });

    it("a running value that is the empty string still wins over the default", async () => {
      const model = fakeModel();
      const step = stepOf(modelStep("s1", { user: "[%topic%]" }, { topic: "cats" }));
      await runStep(step, { topic: "" }, ctx(), engine(model));
      expect(model.requests[0]!.userPrompt).toBe("[]");
    });
  });

  describe("interpolation", () => {
    it("fills %name% in both the system prompt and the user prompt, and the model receives exactly what the record shows", async () => {
      const model = fakeModel();
      const step = stepOf(
        modelStep("s1", { system: "You are %persona%.", user: "Tell me a %kind% joke" }, { persona: "a clown", kind: "short" }),
      );
      const { record } = await runStep(step, {}, ctx(), engine(model));
      expect(model.requests[0]).toMatchObject({ systemPrompt: "You are a clown.", userPrompt: "Tell me a short joke" });
      expect(record.system_prompt).toBe("You are a clown.");
      expect(record.user_prompt).toBe("Tell me a short joke");
    });

    it("fills %name% in a function call's request", async () => {
      const sink = fakeSink();
      const step = stepOf(
        functionStep("log", '{"collection": "%where%", "data": {"joke": "%joke%"}}', { where: "Jokes", joke: "knock knock" }),
      );
      const { record } = await runStep(step, {}, ctx(), engine(fakeModel(), { sink }));
      expect(record.request).toBe('{"collection": "Jokes", "data": {"joke": "knock knock"}}');
      expect(sink.writes[0]).toMatchObject({ collection: "Jokes", data: { joke: "knock knock" } });
    });

    it("by default leaves an unresolved %name% literally in the prompt and records one warning per field", async () => {
      const model = fakeModel();
      const step = stepOf(modelStep("s1", { system: "%mood%", user: "%topic% %missing% %other% %missing%" }, { topic: "" }));
      const { record, outputs } = await runStep(step, { topic: "cats" }, ctx(), engine(model));
      expect(record.status).toBe("success");
      expect(outputs).toBeDefined();
      expect(model.requests[0]).toMatchObject({ systemPrompt: "%mood%", userPrompt: "cats %missing% %other% %missing%" });
      expect(record.warnings).toEqual([
        "%mood% in system_prompt names no input (inputs: topic); left as written",
        "%missing%, %other% in user_prompt names no input (inputs: topic); left as written",
      ]);
    });

    it("says 'inputs: none' when the step has no inputs at all", async () => {
      const { record } = await runStep(stepOf(modelStep("s1", { user: "%x%" })), {}, ctx(), engine(fakeModel()));
      expect(record.warnings).toEqual(["%x% in user_prompt names no input (inputs: none); left as written"]);
    });

    it("in strict mode an unresolved name in the user prompt fails the task with unresolved_variable and the JSON path, without calling the model", async () => {
      const model = fakeModel();
      const task = taskOf([
        modelStep("s1", { user: "ok %topic%" }, { topic: "cats" }),
        modelStep("s2", { user: "%context% and %missing%" }, { topic: "" }),
      ]);
      const result = await runTaskSteps(task, "exec-1", engine(model, { strict: true }));
      expect(model.requests).toHaveLength(1);
      expect(result.status).toBe("failed");
      expect(result.error).toEqual({
        code: "unresolved_variable",
        message: "%missing% in model_query_config.user_prompt names no input (inputs: topic, context)",
        step_id: "s2",
        path: "steps[1].model_query_config.user_prompt",
        attempts: 0,
        retryable: false,
      });
      expect(result.steps[1]).toMatchObject({ status: "failed", response: null });
    });

    it("in strict mode an unresolved name in the system prompt names the system_prompt path", async () => {
      const { record } = await runStep(
        stepOf(modelStep("s1", { system: "%persona%", user: "hi" })),
        {},
        ctx(),
        engine(fakeModel(), { strict: true }),
      );
      expect(record.error).toMatchObject({ code: "unresolved_variable", path: "steps[0].model_query_config.system_prompt" });
    });

    it("in strict mode an unresolved name in a function request fails before anything is written", async () => {
      const sink = fakeSink();
      const { record } = await runStep(stepOf(functionStep("log", "%data%")), {}, ctx(3), engine(fakeModel(), { sink, strict: true }));
      expect(record.error).toMatchObject({ code: "unresolved_variable", step_id: "log", path: "steps[3].function_call_config.request" });
      expect(sink.tries).toBe(0);
    });

    it("does not re-interpolate values: a model answer containing %topic% reaches the next prompt literally, with no warning", async () => {
      const model = fakeModel((r) => (r.userPrompt.startsWith("first") ? "I like %topic% and %nothing%" : "fine"));
      const task = taskOf(
        [modelStep("s1", { user: "first" }, { topic: "cats" }), modelStep("s2", { user: "%topic%: %context%" }, { topic: "dogs" })],
        { topic: "birds" },
      );
      const result = await runTaskSteps(task, "exec-1", engine(model));
      expect(model.requests[1]!.userPrompt).toBe("dogs: I like %topic% and %nothing%");
      expect(result.steps[1]!.warnings).toEqual(['input "topic" is not in the running payload; using the step\'s default']);
    });
  });

  describe("output extraction and context", () => {
    it("a declared output that is also a declared input passes the input through; other declared outputs take the response", async () => {
      const model = fakeModel(() => "Why did the chicken...");
      const step = stepOf(
        modelStep(
          "s1",
          { user: "%user_prompt%" },
          { user_prompt: "Tell me a joke!" },
          { user_prompt: "Hahaha", joke: "", verdict: "none" },
        ),
      );
      const { outputs } = await runStep(step, { user_prompt: "Tell me a pun!" }, ctx(), engine(model));
      expect(outputs).toEqual({
        user_prompt: "Tell me a pun!",
        joke: "Why did the chicken...",
        verdict: "Why did the chicken...",
        context: "Why did the chicken...",
      });
    });

    it("context becomes the previous context, a blank line, then the response", async () => {
      const { outputs } = await runStep(stepOf(modelStep("s1", { user: "x" })), { context: "one" }, ctx(), engine(fakeModel(() => "two")));
      expect(outputs).toEqual({ context: "one\n\ntwo" });
    });

    it("the sample's three chained steps: step 2 sees step 1's answer, step 3 sees both, separated by a blank line", async () => {
      const model = fakeModel(() => `R${model.requests.length}`);
      const task = taskOf(
        [
          modelStep("1", { user: "Tell me a joke about %topic%" }, { topic: "cats" }),
          modelStep("2", { user: "Explain this joke: %context%" }),
          modelStep("3", { user: "Extract FUNNY or DULL from: %context%" }, {}, { verdict: "" }),
        ],
        { topic: "owls" },
        { verdict: "UNKNOWN", context: "" },
      );
      const result = await runTaskSteps(task, "exec-1", engine(model));
      expect(model.requests.map((r) => r.userPrompt)).toEqual([
        "Tell me a joke about owls",
        "Explain this joke: R1",
        "Extract FUNNY or DULL from: R1\n\nR2",
      ]);
      expect(result.output_payload).toEqual({ verdict: "R3", context: "R1\n\nR2\n\nR3" });
    });

    it("names a step does not declare as outputs are dropped from the running payload: the next step falls back to its default", async () => {
      const model = fakeModel(() => "ok");
      const task = taskOf(
        [modelStep("s1", { user: "%topic%" }, { topic: "" }), modelStep("s2", { user: "%topic%" }, { topic: "fallback" })],
        { topic: "owls" },
      );
      const result = await runTaskSteps(task, "exec-1", engine(model));
      expect(model.requests.map((r) => r.userPrompt)).toEqual(["owls", "fallback"]);
      expect(result.steps[1]!.warnings).toEqual(['input "topic" is not in the running payload; using the step\'s default']);
    });

    it("a value declared as output and input of each step flows unchanged through the whole chain", async () => {
      const model = fakeModel(() => "resp");
      const keep = { topic: "" };
      const task = taskOf(
        [modelStep("s1", { user: "%topic%" }, keep, keep), modelStep("s2", { user: "%topic%" }, keep, keep)],
        { topic: "owls" },
        { topic: "" },
      );
      const result = await runTaskSteps(task, "exec-1", engine(model));
      expect(model.requests.map((r) => r.userPrompt)).toEqual(["owls", "owls"]);
      expect(result.output_payload).toEqual({ topic: "owls" });
    });
  });

  describe("task output", () => {
    it("selects only the task's declared names from the last step's outputs, and the declared default for names absent there", async () => {
      const task = taskOf([modelStep("s1", { user: "x" }, {}, { joke: "", extra: "" })], {}, { joke: "none", verdict: "UNKNOWN" });
      const result = await runTaskSteps(task, "exec-1", engine(fakeModel(() => "a joke")));
      expect(result.output_payload).toEqual({ joke: "a joke", verdict: "UNKNOWN" });
    });

    it("an empty step list succeeds and returns the selection of the task's input payload", async () => {
      const model = fakeModel();
      const task = taskOf([], { a: "1", b: "2" }, { a: "", c: "default c" });
      const result = await runTaskSteps(task, "exec-0", engine(model));
      expect(result).toMatchObject({
        status: "success",
        output_payload: { a: "1", c: "default c" },
        steps: [],
        usage: { prompt_tokens: 0, output_tokens: 0, total_tokens: 0 },
      });
      expect(result.error).toBeUndefined();
      expect(model.requests).toHaveLength(0);
    });
  });

  describe("failures", () => {
    it("a failed step stops the task: later steps do not run, the status is failed, the error names the step, earlier records are kept", async () => {
      const model = fakeModel((r) =>
        r.userPrompt.includes("FAIL") ? new ModelCallError("400 Bad Request: invalid argument", "http", { status: 400 }) : "fine",
      );
      const task = taskOf(
        [modelStep("s1", { user: "one" }), modelStep("s2", { user: "FAIL %context%" }), modelStep("s3", { user: "three" })],
        {},
        { context: "" },
      );
      const result = await runTaskSteps(task, "exec-1", engine(model));
      expect(model.requests.map((r) => r.userPrompt)).toEqual(["one", "FAIL fine"]);
      expect(result.status).toBe("failed");
      expect(result.output_payload).toEqual({});
      expect(result.error).toEqual({
        code: "model_error",
        message: "400 Bad Request: invalid argument",
        step_id: "s2",
        path: "steps[1]",
        attempts: 1,
        status: 400,
        retryable: false,
      });
      expect(result.steps.map((s) => [s.step_id, s.status])).toEqual([
        ["s1", "success"],
        ["s2", "failed"],
      ]);
      expect(result.steps[0]!.response).toBe("fine");
      expect(result.steps[1]).toMatchObject({ response: null, user_prompt: "FAIL fine", error: result.error });
      expect(result.usage).toEqual(result.steps[0]!.usage);
    });

    it("onStepEnd is called once per step that ran, with its record and index, the failing one included", async () => {
      const seen: [string, number, StepRecord["status"]][] = [];
      const model = fakeModel((r) => (r.userPrompt === "boom" ? new ModelCallError("blocked", "blocked") : "ok"));
      const task = taskOf([
        modelStep("a", { user: "1" }),
        modelStep("b", { user: "2" }),
        modelStep("c", { user: "boom" }),
        modelStep("d", { user: "4" }),
      ]);
      const result = await runTaskSteps(
        task,
        "exec-1",
        engine(model, { onStepEnd: (record, index) => seen.push([record.step_id, index, record.status]) }),
      );
      expect(seen).toEqual([
        ["a", 0, "success"],
        ["b", 1, "success"],
        ["c", 2, "failed"],
      ]);
      expect(result.error).toMatchObject({ code: "model_blocked", step_id: "c" });
    });
  });

  describe("run record", () => {
    it("records for a model step its id, name, type, model key, resolved model, prompts, response, latency, usage, attempts and warnings", async () => {
      const model = fakeModel(() => "Why did the owl...");
      const step = stepOf(
        modelStep(
          "s1",
          { system: "Be %persona%.", user: "Joke about %topic%", parameters: { temperature: "0.7" } },
          { persona: "", topic: "" },
        ),
      );
      const { record } = await runStep(step, { persona: "funny", topic: "owls" }, ctx(), engine(model));
      expect(record).toEqual({
        step_id: "s1",
        name: "step s1",
        step_type: "model_query",
        model_key: "GEMINI_FLASH",
        model: GEMINI_FLASH_MODEL,
        system_prompt: "Be funny.",
        user_prompt: "Joke about owls",
        response: "Why did the owl...",
        finish_reason: "STOP",
        status: "success",
        latency_ms: match.any(Number),
        attempts: 1,
        usage: { prompt_tokens: 24, output_tokens: 18, total_tokens: 42 },
        // gemini-2.5-flash at $0.30 in and $2.50 out a million tokens: 24 × 0.30e-6 + 18 × 2.50e-6.
        cost: { usd: 0.0000522, unpriced_tokens: 0 },
        warnings: [],
      });
      expect(record.latency_ms).toBeGreaterThanOrEqual(0);
      expect(StepRecordSchema.safeParse(record).success).toBe(true);
      expect(model.requests[0]).toEqual({
        model: GEMINI_FLASH_MODEL,
        route: DEFAULT_MODEL_TABLE.GEMINI_FLASH,
        systemPrompt: "Be funny.",
        userPrompt: "Joke about owls",
        generationConfig: { temperature: 0.7 },
        signal: undefined,
      });
    });

    it("the task record's usage is the sum of its steps' usage, and the record matches its schema", async () => {
      const task = taskOf([
        modelStep("s1", { user: "a" }),
        modelStep("s2", { system: "sys", user: "%context%" }),
        modelStep("s3", { user: "ccc" }),
      ]);
      const result = await runTaskSteps(task, "exec-9", engine(fakeModel()));
      const sum = (key: "prompt_tokens" | "output_tokens" | "total_tokens") => result.steps.reduce((n, s) => n + s.usage[key], 0);
      expect(result.usage).toEqual({
        prompt_tokens: sum("prompt_tokens"),
        output_tokens: sum("output_tokens"),
        total_tokens: sum("total_tokens"),
      });
      expect(result.usage.total_tokens).toBeGreaterThan(0);
      expect(result).toMatchObject({ task_id: "t", execution_id: "exec-9", status: "success" });
      expect(Date.parse(result.finished_at)).toBeGreaterThanOrEqual(Date.parse(result.started_at));
      expect(TaskRecordSchema.safeParse(result).success).toBe(true);
    });

    it("a step without an id is recorded under its index", async () => {
      const raw = modelStep("", { user: "x" });
      const result = await runTaskSteps(taskOf([modelStep("first", { user: "x" }), raw]), "exec-1", engine(fakeModel()));
      expect(result.steps.map((s) => s.step_id)).toEqual(["first", "1"]);
    });
  });

  describe("function-call steps", () => {
    it("firestore_log writes through the sink under the deterministic id `${executionId}-${stepId}` and returns the original's JSON", async () => {
      const sink = fakeSink();
      const model = fakeModel((r) =>
        r.generationConfig.responseMimeType === "application/json"
          ? JSON.stringify({ collection: "TaskLogs", data: { answer: "FUNNY", question: r.userPrompt } })
          : "?",
      );
      const task = taskOf(
        [
          modelStep("extract", { user: "Row for %q%", parameters: { response_mime_type: "application/json" } }, { q: "why" }),
          functionStep("log", "%context%", {}, { result: "" }),
        ],
        {},
        { result: "" },
      );
      const result = await runTaskSteps(task, "exec-7", engine(model, { sink }));
      expect(result.status).toBe("success");
      expect(sink.writes).toEqual([
        {
          collection: "TaskLogs",
          documentId: "exec-7-log",
          data: { answer: "FUNNY", question: "Row for why", timestamp: match.any(String), execution_id: "exec-7" },
        },
      ]);
      expect(Number.isNaN(Date.parse(String(sink.writes[0]!.data.timestamp)))).toBe(false);
      const expected = JSON.stringify({ status: "success", document_id: "exec-7-log" });
      expect(result.output_payload).toEqual({ result: expected });
      expect(result.steps[1]).toMatchObject({
        step_type: "function_call",
        function_name: "firestore_log",
        request: result.steps[0]!.response,
        response: expected,
        status: "success",
        attempts: 1,
        usage: { prompt_tokens: 0, output_tokens: 0, total_tokens: 0 },
      });
    });

    it("the original name gcp_firestore_log works the same, and the same run and step write the same document id again", async () => {
      const sink = fakeSink();
      const task = taskOf([functionStep("log", '{"collection": "C", "data": {"n": "1"}}', {}, {}, "gcp_firestore_log")]);
      await runTaskSteps(task, "exec-2", engine(fakeModel(), { sink }));
      await runTaskSteps(task, "exec-2", engine(fakeModel(), { sink }));
      expect(sink.writes.map((w) => `${w.collection}/${w.documentId}`)).toEqual(["C/exec-2-log", "C/exec-2-log"]);
    });

    it("a document_id in the request is used as given", async () => {
      const sink = fakeSink();
      const { record } = await runStep(
        stepOf(functionStep("log", '{"collection": "C", "document_id": "row-1", "data": {}}')),
        {},
        ctx(),
        engine(fakeModel(), { sink }),
      );
      expect(sink.writes.map((w) => w.documentId)).toEqual(["row-1"]);
      expect(record.response).toBe('{"status":"success","document_id":"row-1"}');
    });

    it("firestore_log with a request that is not JSON fails with function_error and the response holds the original's error JSON", async () => {
      const sink = fakeSink();
      const { record, outputs } = await runStep(
        stepOf(functionStep("log", "not json %x%", { x: "42" })),
        {},
        ctx(),
        engine(fakeModel(), { sink }),
      );
      expect(outputs).toBeUndefined();
      expect(record.status).toBe("failed");
      expect(record.request).toBe("not json 42");
      expect(record.error).toMatchObject({ code: "function_error", step_id: "log", path: "steps[0]", attempts: 1, retryable: false });
      expect(record.error!.message).toMatch(/^firestore_log: request is not JSON \(/);
      const response = JSON.parse(record.response!) as Record<string, unknown>;
      expect(response).toMatchObject({ status: "error", document_id: "" });
      expect(String(response.error)).toMatch(/^request is not JSON \(.*\); expected \{"collection": \.\.\., "data": \{\.\.\.\}\}$/);
      expect(sink.tries).toBe(0);
    });

    it("firestore_log without a collection fails with function_error and says what is required", async () => {
      const { record } = await runStep(stepOf(functionStep("log", '{"data": {}}')), {}, ctx(), engine(fakeModel()));
      expect(record.error).toMatchObject({
        code: "function_error",
        message: 'firestore_log: request.collection is required: a collection name without "/"',
      });
      expect(JSON.parse(record.response!)).toEqual({
        status: "error",
        document_id: "",
        error: 'request.collection is required: a collection name without "/"',
      });
    });

    it("a failing sink write is retried at most 3 times, always under the same document id, then fails as retryable", async () => {
      const sink = fakeSink(() => new Error("UNAVAILABLE"));
      const { record } = await runStep(
        stepOf(functionStep("log", '{"collection": "C", "data": {}}')),
        {},
        ctx(),
        engine(fakeModel(), { sink, retry: { maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 1 } }),
      );
      expect(sink.tries).toBe(3);
      expect(record.error).toMatchObject({ code: "function_error", attempts: 3, retryable: true });
      expect(record.error!.message).toBe("gave up after 3 attempts: firestore_log: writing C/exec-1-log failed: UNAVAILABLE");
    });

    it("after the retries of a sink write run out, the response still holds the original's error JSON", async () => {
      // run-step.ts reads `.response` from the thrown error, but after retries that is the RetryError wrapping the FunctionCallError.
      const sink = fakeSink(() => new Error("UNAVAILABLE"));
      const { record } = await runStep(
        stepOf(functionStep("log", '{"collection": "C", "data": {}}')),
        {},
        ctx(),
        engine(fakeModel(), { sink, retry: { maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 1 } }),
      );
      expect(JSON.parse(record.response ?? "null")).toEqual({
        status: "error",
        document_id: "exec-1-log",
        error: "writing C/exec-1-log failed: UNAVAILABLE",
      });
    });

    it("an unknown function name at run time (validation bypassed) fails clearly with invalid_config and the path", async () => {
      const sink = fakeSink();
      const step: StepConfig = {
        id: "mail",
        name: "send",
        description: "",
        step_type: 1,
        input_config: { payload: {} },
        function_call_config: { function_name: "send_email", request: "{}" },
        output_config: { payload: { sent: "" } },
      };
      const task: TaskConfig = {
        task_id: "t",
        input_config: { payload: {} },
        steps: [step],
        output_config: { payload: { sent: "no" } },
        next_task: "",
      };
      const result = await runTaskSteps(task, "exec-1", engine(fakeModel(), { sink }));
      expect(result.status).toBe("failed");
      expect(result.output_payload).toEqual({});
      expect(result.error).toEqual({
        code: "invalid_config",
        message: 'unknown function "send_email"',
        step_id: "mail",
        path: "steps[0].function_call_config.function_name",
        attempts: 0,
        retryable: false,
      });
      expect(result.steps[0]).toMatchObject({ function_name: "send_email", response: null, status: "failed" });
      expect(sink.tries).toBe(0);
    });

    it("an unknown model key at run time (validation bypassed) fails with invalid_config and the path", async () => {
      const model = fakeModel();
      const step = stepOf(modelStep("s1", { user: "x" }));
      const bypassed: StepConfig = { ...step, model_query_config: { ...step.model_query_config!, model_key: "GEMINI_FLAHS" } };
      const { record } = await runStep(bypassed, {}, ctx(), engine(model));
      expect(record.error).toMatchObject({
        code: "invalid_config",
        message: 'unknown model key "GEMINI_FLAHS"',
        path: "steps[0].model_query_config.model_key",
      });
      expect(model.requests).toHaveLength(0);
    });
  });
});
