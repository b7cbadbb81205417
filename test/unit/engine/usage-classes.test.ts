// A run's steps through the engine, the real SDKs and the stand-in: thinking and cached tokens recorded in the step's
// usage and priced at their own rates from LLM_PRICE_TABLE; an out-of-credits answer fails the step at once, one request made.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJsonlSink } from "../../../shared/builtins/jsonl-sink";
import { formatIssues } from "../../../shared/config/config-issue";
import type { TaskConfig } from "../../../shared/config/config-schemas";
import { parseConfig } from "../../../shared/validation/validate-config";
import { runTaskSteps } from "../../../shared/engine/run-task-steps";
import { buildModelTable } from "../../../shared/providers/model-table";
import { createRuntime } from "../../../shared/runtime/create-runtime";
import { usageAddsUp } from "../../../shared/models/token-usage";
import type { Runtime } from "../../../local/standin/local-runtime";
import { startStandin } from "../../../local/standin/standin-server";

let runtime: Runtime;
const MODEL_TABLE = '{"LOCAL_LLAMA":{"provider":"openai","model":"llama3.2","base_url":"http://127.0.0.1:11434/v1"}}';
// Round prices, so the expected costs are easy to check by hand.
const PRICES = {
  "gemini-2.5-flash": { input_per_million: 1, output_per_million: 10, thinking_per_million: 100, read_on: "2026-12-01" },
  "claude-haiku-5-5": { input_per_million: 1, output_per_million: 10, cached_input_per_million: 0.5, read_on: "2026-12-01" },
  "llama3.2": { input_per_million: 0, output_per_million: 0, read_on: "2026-12-01" },
};

beforeAll(async () => {
  runtime = await createRuntime({
    env: { LLM_MODEL_TABLE: MODEL_TABLE, LLM_PRICE_TABLE: JSON.stringify(PRICES), RETRY_BASE_DELAY_MS: "1", RETRY_MAX_DELAY_MS: "1" },
    startStandin: () => startStandin(),
    sink: createJsonlSink(await mkdtemp(join(tmpdir(), "usage-classes-"))),
  });
});
afterAll(() => runtime.close());

function task(model_key: string, user_prompt: string, parameters: Record<string, unknown> = {}): TaskConfig {
  const parsed = parseConfig(
    "task",
    {
      task_id: "classes",
      steps: [{ id: "ask", model_query_config: { model_key, user_prompt, parameters }, output_config: { payload: { answer: "" } } }],
      output_config: { payload: { answer: "" } },
    },
    { modelTable: buildModelTable(MODEL_TABLE), functions: runtime.engine.functions },
  );
  if (!parsed.ok) throw new Error(formatIssues(parsed.issues));
  return parsed.value;
}

describe("token classes through the engine", () => {
  it("records a thinking step's thoughts inside its output and prices them at the thinking price", async () => {
    runtime.standin!.reset();
    const record = await runTaskSteps(task("GEMINI_FLASH", "Say hi.", { thinking_budget: 512 }), "classes-1", runtime.engine);
    expect(record.status).toBe("success");
    // "Say hi." is 2 tokens; the answer "[stand-in gemini-2.5-flash] Say hi." 9; the stand-in's thought 5.
    expect(record.steps[0]!.usage).toEqual({ prompt_tokens: 2, output_tokens: 14, total_tokens: 16, thinking_tokens: 5 });
    expect(usageAddsUp(record.steps[0]!.usage)).toBe(true);
    // 2 × $1 + 9 × $10 + 5 × $100 a million.
    expect(record.steps[0]!.cost).toEqual({ usd: 0.000592, unpriced_tokens: 0 });
    expect(record.usage.thinking_tokens).toBe(5);
  });

  it("records cached prompt tokens and prices them at the cached price", async () => {
    runtime.standin!.reset();
    runtime.standin!.configure({ cachedTokens: 4 });
    try {
      const record = await runTaskSteps(task("CLAUDE_HAIKU", "Sixteen characters, then more."), "classes-2", runtime.engine);
      expect(record.status).toBe("success");
      const usage = record.steps[0]!.usage;
      expect(usage.cached_tokens).toBe(4);
      expect(usageAddsUp(usage)).toBe(true);
      const usd = ((usage.prompt_tokens - 4) * 1 + 4 * 0.5 + usage.output_tokens * 10) / 1e6;
      expect(record.steps[0]!.cost!.usd).toBeCloseTo(usd, 12);
    } finally {
      runtime.standin!.configure({ cachedTokens: 0 });
    }
  });

  it("fails an out-of-credits answer at once: quota_exhausted, one request, a message saying to add credits", async () => {
    runtime.standin!.reset();
    runtime.standin!.configure({ script: ["insufficient_quota", "ok", "ok"] });
    const record = await runTaskSteps(task("LOCAL_LLAMA", "Say hi."), "classes-3", runtime.engine);
    expect(record.status).toBe("failed");
    expect(record.error).toMatchObject({ code: "quota_exhausted", step_id: "ask", attempts: 1, status: 429, retryable: false });
    expect(record.error!.message).toMatch(/insufficient_quota.*out of credits.*add credits/);
    expect(runtime.standin!.stats().requests).toBe(1);
  });
});
