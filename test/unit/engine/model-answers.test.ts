// Model answers are what they claim to be: cut answers, quotas past the budget, aborts during backoff and the usage of every billed attempt, through the real Gemini SDK against the in-process stand-in.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { BUILTIN_FUNCTIONS } from "../../../shared/builtins/builtin-registry";
import type { StepConfig } from "../../../shared/config/config-schemas";
import { parseConfig } from "../../../shared/validation/validate-config";
import { StepRecordSchema } from "../../../shared/engine/run-record";
import type { EngineOptions } from "../../../shared/engine/engine-options";
import { runStep } from "../../../shared/engine/run-step";
import { createGeminiProvider } from "../../../shared/providers/gemini/gemini-provider";
import { mapGeminiResponse } from "../../../shared/providers/gemini/map-gemini-response";
import { ModelCallError } from "../../../shared/models/model-call-error";
import type { ModelProvider, ModelResult } from "../../../shared/models/model-provider";
import { DEFAULT_MODEL_TABLE } from "../../../shared/providers/model-table";
import { realRetryEnv, type RetryEnv, type RetryPolicy } from "../../../shared/models/retry";
import { estimateTokens } from "../../../local/standin/standin-reply";
import { startStandin, type Standin } from "../../../local/standin/standin-server";

const SYSTEM = "You are terse.";
const USER = "Describe the sea in one line.";
const PROMPT_TOKENS = estimateTokens(SYSTEM) + estimateTokens(USER);

let standin: Standin;
beforeAll(async () => {
  standin = await startStandin();
});
afterAll(() => standin.close());
beforeEach(() => {
  standin.configure({ latencyMs: 0, rpm: 0, faults: {}, retryDelayMs: 100, script: [] });
  standin.reset();
});

function stepWith(parameters: Record<string, string> = {}): StepConfig {
  const parsed = parseConfig("step", {
    id: "sea",
    step_type: 0,
    model_query_config: { model_key: "GEMINI_FLASH", parameters, system_prompt: SYSTEM, user_prompt: USER },
    output_config: { payload: { line: "" } },
  });
  if (!parsed.ok) throw new Error(parsed.issues.map((i) => `${i.path}: ${i.message}`).join("\n"));
  return parsed.value;
}

const POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 200, maxDelayMs: 20_000, maxThrottledAttempts: 50 };

function engine(extra: Partial<EngineOptions> = {}): EngineOptions {
  return {
    providers: { gemini: createGeminiProvider({ apiKey: "test-key-for-the-stand-in", baseUrl: standin.url, timeoutMs: 5_000 }) },
    modelTable: DEFAULT_MODEL_TABLE,
    functions: BUILTIN_FUNCTIONS,
    sink: { description: "nowhere (test)", write: () => Promise.resolve("nowhere") },
    retry: POLICY,
    ...extra,
  };
}

const run = (step: StepConfig, options: EngineOptions) => runStep(step, {}, { executionId: "exec-1", index: 2 }, options);

describe("an answer cut at max_output_tokens (finishReason MAX_TOKENS)", () => {
  it("as text: the step succeeds with the cut answer, records the finish reason and warns, naming the limit", async () => {
    standin.configure({ script: ["max_tokens"] });
    const { record, outputs } = await run(stepWith({ max_output_tokens: "64" }), engine());
    expect(record.status).toBe("success");
    expect(record.finish_reason).toBe("MAX_TOKENS");
    expect(outputs?.line).toBe(record.response);
    expect(record.warnings).toEqual([
      "the answer was cut at the output token limit (finishReason MAX_TOKENS, max_output_tokens is 64); raise max_output_tokens for a complete answer",
    ]);
    expect(StepRecordSchema.parse(record)).toEqual(record);
  });

  it("as JSON: the step fails with output_truncated, not retryable, saying to raise max_output_tokens and naming its value", async () => {
    standin.configure({ script: ["max_tokens"] });
    const { record, outputs } = await run(stepWith({ response_mime_type: "application/json", max_output_tokens: "256" }), engine());
    expect(outputs).toBeUndefined();
    expect(record).toMatchObject({ status: "failed", finish_reason: "MAX_TOKENS", attempts: 1 });
    expect(record.error).toEqual({
      code: "output_truncated",
      message:
        "the answer stopped at the output token limit (finishReason MAX_TOKENS): the JSON answer was cut short and is not valid JSON; raise max_output_tokens in the step's parameters (max_output_tokens is 256)",
      step_id: "sea",
      path: "steps[2].model_query_config.parameters.max_output_tokens",
      attempts: 1,
      retryable: false,
    });
    expect((): unknown => JSON.parse(record.response ?? "")).toThrow(); // the cut answer is kept, and is indeed not JSON
    expect(record.usage.prompt_tokens).toBe(PROMPT_TOKENS); // the cut answer was billed
    expect(standin.stats().requests).toBe(1);
  });

  it("as JSON without max_output_tokens: says the model's default limit applied", async () => {
    standin.configure({ script: ["max_tokens"] });
    const { record } = await run(stepWith({ response_mime_type: "application/json" }), engine());
    expect(record.error?.code).toBe("output_truncated");
    expect(record.error?.message).toContain("max_output_tokens is not set, so the model's default limit applied");
  });
});

describe("an answer cut before any text (MAX_TOKENS with no text, e.g. a thinking model)", () => {
  it("fails with output_truncated naming the limit, instead of model_blocked, and counts the billed tokens", async () => {
    // Gemini's raw answer goes through the real mapping; only the transport is skipped.
    const provider: ModelProvider = {
      name: "fake",
      generate(request): Promise<ModelResult> {
        const raw = {
          candidates: [{ content: { parts: [], role: "model" }, finishReason: "MAX_TOKENS" }],
          usageMetadata: { promptTokenCount: 9, thoughtsTokenCount: 64, totalTokenCount: 73 },
        };
        // The mapping throws for this answer; thrown in the executor, that is a rejection, as from a real provider,
        // which is where the engine counts an attempt's billed tokens from.
        return new Promise((resolve) => resolve(mapGeminiResponse(raw, request.model)));
      },
    };
    const { record } = await run(stepWith({ max_output_tokens: "64" }), engine({ providers: { gemini: provider } }));
    expect(record).toMatchObject({
      status: "failed",
      finish_reason: "MAX_TOKENS",
      usage: { prompt_tokens: 9, output_tokens: 64, total_tokens: 73 },
    });
    expect(record.error).toMatchObject({
      code: "output_truncated",
      retryable: false,
      path: "steps[2].model_query_config.parameters.max_output_tokens",
    });
    expect(record.error?.message).toContain("before writing any text");
    expect(record.error?.message).toContain("raise max_output_tokens in the step's parameters (max_output_tokens is 64)");
  });
});

describe("a 429 whose retry delay is longer than the run's remaining budget", () => {
  it("fails the step at once with quota_exhausted after one call, saying until when and what to change", async () => {
    standin.configure({ script: ["429", "429", "429"], retryDelayMs: 90_000 });
    const started = Date.now();
    const { record } = await run(stepWith(), engine({ retry: { ...POLICY, deadlineAt: started + 30_000 } }));
    expect(standin.stats().requests).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(record.attempts).toBe(1);
    expect(record.error).toMatchObject({ code: "quota_exhausted", status: 429, retryable: false, attempts: 1 });
    expect(record.error?.message).toMatch(
      /^the model's quota is exhausted until about \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(the server asked to wait 1 min 30 s, longer than the (29|30) s left of the run's budget\), so the step failed without waiting; lower the batch rate \(fewer jobs or tasks a minute\) or raise the quota; the last answer: Gemini model "gemini-2\.5-flash" answered HTTP 429 RESOURCE_EXHAUSTED/,
    );
  });

  it("a 429 whose delay fits in the budget is still waited out and retried", async () => {
    standin.configure({ script: ["429", "ok"], retryDelayMs: 10 });
    const { record } = await run(stepWith(), engine({ retry: { ...POLICY, deadlineAt: Date.now() + 30_000 } }));
    expect(record.status).toBe("success");
    expect(standin.stats().requests).toBe(2);
  });
});

describe("an abort during a backoff wait (fake timers: the wait never ends by itself)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("reports deadline_exceeded with the abort's reason, never an internal error", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    standin.configure({ script: ["503", "ok"] });
    const controller = new AbortController();
    let waiting!: (ms: number) => void;
    const waitStarted = new Promise<number>((resolve) => (waiting = resolve));
    const retryEnv: RetryEnv = { ...realRetryEnv, random: () => 1, sleep: (ms, signal) => (waiting(ms), realRetryEnv.sleep(ms, signal)) };
    const running = run(stepWith(), engine({ retryEnv, signal: controller.signal }));
    expect(await waitStarted).toBe(200);
    controller.abort(new Error("the run budget of 480 s was spent"));
    const { record } = await running;
    expect(standin.stats().requests).toBe(1);
    expect(record.error).toMatchObject({ code: "deadline_exceeded", attempts: 1, status: 503, retryable: true });
    expect(record.error?.message).toContain("the run was stopped while waiting to retry (the run budget of 480 s was spent)");
  });
});

describe("usage counts every billed attempt", () => {
  it("a retried answer that failed after reporting usage, then a successful one: the step's usage is their sum", async () => {
    const first = { prompt_tokens: 10, output_tokens: 7, total_tokens: 17 };
    const second = { prompt_tokens: 10, output_tokens: 5, total_tokens: 15 };
    const calls: number[] = [];
    // A fake provider (the stand-in has no retryable fault that reports usage): the first answer is refused as
    // unusable but was billed, the retry answers.
    const provider: ModelProvider = {
      name: "fake",
      generate(): Promise<ModelResult> {
        calls.push(calls.length + 1);
        if (calls.length === 1)
          return Promise.reject(
            new ModelCallError("an answer that could not be used; retrying may succeed", "malformed", { usage: first }),
          );
        return Promise.resolve({ text: "calm", usage: second, finishReason: "STOP" });
      },
    };
    const retryEnv: RetryEnv = { sleep: async () => {}, random: () => 0, now: () => 0 };
    const { record } = await run(stepWith(), engine({ providers: { gemini: provider }, retryEnv }));
    expect(calls).toEqual([1, 2]);
    expect(record).toMatchObject({ status: "success", attempts: 2 });
    expect(record.usage).toEqual({ prompt_tokens: 20, output_tokens: 12, total_tokens: 32 });
  });

  it("a failed call that billed nothing (503) adds nothing; the answer after it counts once", async () => {
    standin.configure({ script: ["503", "ok"] });
    const { record } = await run(stepWith(), engine({ retryEnv: { ...realRetryEnv, random: () => 0 } }));
    expect(record).toMatchObject({ status: "success", attempts: 2 });
    const output = estimateTokens(record.response ?? "");
    expect(record.usage).toEqual({ prompt_tokens: PROMPT_TOKENS, output_tokens: output, total_tokens: PROMPT_TOKENS + output });
  });

  for (const fault of ["safety", "blocked", "empty"] as const) {
    it(`a refused answer (${fault}) fails the step, and its reported prompt tokens are still counted`, async () => {
      standin.configure({ script: [fault] });
      const { record } = await run(stepWith(), engine());
      expect(record.error?.code).toBe("model_blocked");
      expect(record.usage).toEqual({ prompt_tokens: PROMPT_TOKENS, output_tokens: 0, total_tokens: PROMPT_TOKENS });
    });
  }
});
