// The engine's use of the response store, with an in-memory store and a counting fake model (mocks: the Firestore store
// itself is tested against the emulator in test/emulator/response-store.test.ts).
import { describe, expect, it } from "vitest";
import { BUILTIN_FUNCTIONS } from "../../../shared/builtins/builtin-registry";
import type { TaskConfig } from "../../../shared/config/config-schemas";
import type { EngineOptions, ResponseStore, StoredAnswer } from "../../../shared/engine/engine-options";
import { runTaskSteps } from "../../../shared/engine/run-task-steps";
import type { ModelProvider, ModelRequest } from "../../../shared/models/model-provider";
import { DEFAULT_MODEL_TABLE } from "../../../shared/providers/model-table";
import { parseConfig } from "../../../shared/validation/validate-config";

function memoryStore(failReads = false): ResponseStore & { entries: Map<string, StoredAnswer> } {
  const entries = new Map<string, StoredAnswer>();
  return {
    entries,
    get: (key) => (failReads ? Promise.reject(new Error("unavailable")) : Promise.resolve(entries.get(key))),
    put: (key, answer) => void entries.set(key, answer),
  };
}

function countingModel(): ModelProvider & { requests: ModelRequest[] } {
  const requests: ModelRequest[] = [];
  return {
    name: "fake",
    requests,
    generate(request) {
      requests.push(request);
      const text = `answer ${requests.length} to ${request.userPrompt}`;
      return Promise.resolve({ text, usage: { prompt_tokens: 4, output_tokens: 6, total_tokens: 10 }, finishReason: "STOP" });
    },
  };
}

/** One task asking the same twice in two steps (an independent second sample), then a third step on the second answer. */
function task(): TaskConfig {
  const step = (id: string, prompt: string, inputs: Record<string, string>, output: string) => ({
    id,
    step_type: 0,
    input_config: { payload: inputs },
    model_query_config: { model_key: "GEMINI_FLASH", parameters: {}, system_prompt: "", user_prompt: prompt },
    output_config: { payload: { [output]: "" } },
  });
  const parsed = parseConfig("task", {
    task_id: "t",
    input_config: { payload: { q: "owls" } },
    steps: [step("one", "tell %q%", { q: "" }, "a"), step("two", "tell %q%", { q: "" }, "b"), step("three", "on %b%", { b: "" }, "c")],
    output_config: { payload: { a: "", b: "", c: "" } },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.value;
}

function options(model: ModelProvider, store: ResponseStore | undefined, sample = 0): EngineOptions {
  const sink = { description: "none", write: () => Promise.reject(new Error("unused")) };
  return {
    providers: { gemini: model },
    modelTable: DEFAULT_MODEL_TABLE,
    functions: BUILTIN_FUNCTIONS,
    sink,
    ownerUid: "alice",
    ...(store ? { responses: { store, sample, cache: true, runStartedAt: 0 } } : {}),
  };
}

describe("the response store in the engine", () => {
  it("keeps every answer, and a second run takes them all, unbilled", async () => {
    const [model, store] = [countingModel(), memoryStore()];
    const first = await runTaskSteps(task(), "e1", options(model, store));
    expect(model.requests).toHaveLength(3);
    expect(store.entries.size).toBe(3);
    const second = await runTaskSteps(task(), "e2", options(model, store));
    expect(model.requests).toHaveLength(3);
    expect(second.steps.map((s) => s.cached)).toEqual([true, true, true]);
    expect(second.steps.map((s) => [s.attempts, s.usage.total_tokens, s.cost?.usd])).toEqual([
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(second.output_payload).toEqual(first.output_payload);
  });

  it("asks the same question twice in one run as two samples: two calls, two answers, each taken back by its own step", async () => {
    const [model, store] = [countingModel(), memoryStore()];
    const first = await runTaskSteps(task(), "e1", options(model, store));
    expect(first.steps[0]!.response).not.toBe(first.steps[1]!.response);
    const second = await runTaskSteps(task(), "e2", options(model, store));
    expect(second.steps.map((s) => s.response)).toEqual(first.steps.map((s) => s.response));
  });

  it("keeps another sample (a batch's repeat) apart: it pays for its own answers", async () => {
    const [model, store] = [countingModel(), memoryStore()];
    await runTaskSteps(task(), "e1", options(model, store, 0));
    await runTaskSteps(task(), "e2", options(model, store, 1));
    expect(model.requests).toHaveLength(6);
  });

  it("fails the step unsent, saying so, when the store cannot be read: it never pays blind", async () => {
    const model = countingModel();
    const record = await runTaskSteps(task(), "e1", options(model, memoryStore(true)));
    expect(model.requests).toHaveLength(0);
    expect(record.error).toMatchObject({ code: "internal", step_id: "one", path: "steps[0].model_query_config" });
    expect(record.error?.message).toContain("the response store could not be read (unavailable); nothing was sent");
  });
});
