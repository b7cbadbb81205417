// Cost on a known run: the stand-in's answers are deterministic, so the token counts are exact and so is the cost.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJsonlSink } from "../../../shared/builtins/jsonl-sink";
import { formatIssues } from "../../../shared/config/config-issue";
import type { TaskConfig } from "../../../shared/config/config-schemas";
import { parseConfig } from "../../../shared/validation/validate-config";
import { TaskRecordSchema } from "../../../shared/engine/run-record";
import { runTaskSteps } from "../../../shared/engine/run-task-steps";
import { buildModelTable } from "../../../shared/providers/model-table";
import { createRuntime } from "../../../shared/runtime/create-runtime";
import type { Runtime } from "../../../local/standin/local-runtime";
import { startStandin } from "../../../local/standin/standin-server";

let runtime: Runtime;
const MODEL_TABLE = '{"LOCAL_LLAMA":{"provider":"openai","model":"llama3.2","base_url":"http://127.0.0.1:11434/v1"}}';

beforeAll(async () => {
  runtime = await createRuntime({
    env: { LLM_MODEL_TABLE: MODEL_TABLE, RETRY_BASE_DELAY_MS: "1", RETRY_MAX_DELAY_MS: "1" },
    startStandin: () => startStandin(),
    sink: createJsonlSink(await mkdtemp(join(tmpdir(), "cost-"))),
  });
});
afterAll(() => runtime.close());

function task(steps: [id: string, modelKey: string, userPrompt: string][]): TaskConfig {
  const parsed = parseConfig(
    "task",
    {
      task_id: "priced",
      steps: steps.map(([id, model_key, user_prompt]) => ({
        id,
        model_query_config: { model_key, user_prompt },
        output_config: { payload: { answer: "" } },
      })),
      output_config: { payload: { answer: "" } },
    },
    { modelTable: buildModelTable(MODEL_TABLE), functions: runtime.engine.functions },
  );
  if (!parsed.ok) throw new Error(formatIssues(parsed.issues));
  return parsed.value;
}

describe("cost of a run that crosses vendors", () => {
  it("prices each step from its own model's price and sums the task exactly", async () => {
    const record = await runTaskSteps(
      task([
        ["gemini", "GEMINI_FLASH", "Say hi."],
        ["claude", "CLAUDE_HAIKU", "%context%"],
      ]),
      "cost-1",
      runtime.engine,
    );
    expect(record.status).toBe("success");
    // Step 1, gemini-2.5-flash: "Say hi." is 2 tokens; the answer "[stand-in gemini-2.5-flash] Say hi." (35 characters) is 9.
    // At $0.30 and $2.50 a million: 2 × 0.30 + 9 × 2.50 = 23.1 millionths of a dollar.
    expect(record.steps[0]!.usage).toEqual({ prompt_tokens: 2, output_tokens: 9, total_tokens: 11 });
    expect(record.steps[0]!.cost).toEqual({ usd: 0.0000231, unpriced_tokens: 0 });
    // Step 2, claude-haiku-5-5 reads step 1's answer (9 tokens) and echoes it after its 28-character prefix: 63 characters, 16 tokens.
    // At $1 and $5 a million: 9 × 1 + 16 × 5 = 89 millionths.
    expect(record.steps[1]!.usage).toEqual({ prompt_tokens: 9, output_tokens: 16, total_tokens: 25 });
    expect(record.steps[1]!.cost).toEqual({ usd: 0.000089, unpriced_tokens: 0 });
    expect(record.cost).toEqual({ usd: 0.0001121, unpriced_tokens: 0 });
    expect(record.usage).toEqual({ prompt_tokens: 11, output_tokens: 25, total_tokens: 36 });
    expect(TaskRecordSchema.parse(record)).toEqual(record);
  });

  it("counts every billed attempt: a refused answer's prompt tokens are paid for, also when the step fails", async () => {
    // The 503 was never answered, so it is not billed; the refusal was (its 9 prompt tokens at $1 a million).
    runtime.standin!.configure({ script: ["ok", "503", "safety"] });
    const record = await runTaskSteps(
      task([
        ["gemini", "GEMINI_FLASH", "Say hi."],
        ["claude", "CLAUDE_HAIKU", "%context%"],
      ]),
      "cost-2",
      runtime.engine,
    );
    expect(record.error).toMatchObject({ code: "model_blocked", step_id: "claude", attempts: 2 });
    expect(record.steps[1]!.usage).toEqual({ prompt_tokens: 9, output_tokens: 0, total_tokens: 9 });
    expect(record.steps[1]!.cost).toEqual({ usd: 0.000009, unpriced_tokens: 0 });
    expect(record.cost).toEqual({ usd: 0.0000321, unpriced_tokens: 0 });
  });

  it("says which tokens have no price instead of pricing them at nothing", async () => {
    const record = await runTaskSteps(task([["local", "LOCAL_LLAMA", "Say hi."]]), "cost-3", runtime.engine);
    expect(record.status).toBe("success");
    const step = record.steps[0]!;
    expect(step.cost).toEqual({ usd: 0, unpriced_tokens: step.usage.total_tokens });
    expect(step.warnings).toEqual([
      `no price for model "llama3.2" in the price table, so its ${step.usage.total_tokens} tokens are not in the cost; add it to LLM_PRICE_TABLE`,
    ]);
    expect(record.cost).toEqual({ usd: 0, unpriced_tokens: step.usage.total_tokens });
  });
});
