// The sample joke task end to end through the real Gemini SDK, against the in-process stand-in (no GEMINI_API_KEY).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createJsonlSink } from "../../../shared/builtins/jsonl-sink";
import { parseConfig } from "../../../shared/validation/validate-config";
import { TaskRecordSchema, type TaskRecord } from "../../../shared/engine/run-record";
import { runTaskSteps } from "../../../shared/engine/run-task-steps";
import { createRuntime } from "../../../shared/runtime/create-runtime";
import type { Runtime } from "../../../local/standin/local-runtime";
import { startStandin } from "../../../local/standin/standin-server";
import { sampleTaskConfig } from "../../../local/samples/samples";

let runtime: Runtime;
let record: TaskRecord;

beforeAll(async () => {
  // An environment without GEMINI_API_KEY or GEMINI_BASE_URL: createRuntime starts its own stand-in.
  runtime = await createRuntime({
    env: {},
    startStandin: () => startStandin(),
    sink: createJsonlSink(await mkdtemp(join(tmpdir(), "sample-task-"))),
  });
  const task = parseConfig("task", sampleTaskConfig);
  if (!task.ok) throw new Error(`the sample task is invalid: ${JSON.stringify(task.issues)}`);
  record = await runTaskSteps(task.value, "sample-task-test", runtime.engine);
});

afterAll(() => runtime.close());

describe("the sample joke task against the stand-in", () => {
  it("runs offline through the stand-in, and says so", () => {
    expect(runtime.standin).toBeDefined();
    expect(runtime.banner[0]).toMatch(/^No GEMINI_API_KEY set: model calls go to the offline Gemini stand-in at http:\/\/127\.0\.0\.1:\d+/);
  });

  it("succeeds with a valid run record of three model steps", () => {
    expect(record.error).toBeUndefined();
    expect(record.status).toBe("success");
    expect(TaskRecordSchema.parse(record)).toEqual(record);
    expect(record.steps.map((s) => [s.step_id, s.name, s.model, s.status])).toEqual([
      ["1", "tell_joke", "gemini-2.5-flash", "success"],
      ["2", "explain_joke", "gemini-2.5-flash", "success"],
      ["3", "extract_verdict", "gemini-2.5-flash", "success"],
    ]);
    for (const step of record.steps) expect(step.usage.total_tokens).toBeGreaterThan(0);
    expect(record.usage.total_tokens).toBe(record.steps.reduce((sum, s) => sum + s.usage.total_tokens, 0));
  });

  it("feeds step 1's response into step 2's prompt, and both responses into step 3's", () => {
    const [tell, explain, extract] = record.steps;
    const joke = tell!.response!;
    const explanation = explain!.response!;
    expect(joke).toContain("Tell me a joke!");
    expect(explain!.user_prompt).toContain(joke);
    expect(extract!.user_prompt).toContain(joke);
    expect(extract!.user_prompt).toContain(explanation);
    // %context% is the earlier responses joined by a blank line, in order.
    expect(extract!.user_prompt!.endsWith(`${joke}\n\n${explanation}`)).toBe(true);
  });

  it("outputs the joke passed through unchanged and the verdict step's response", () => {
    expect(record.output_payload).toEqual({ joke: record.steps[0]!.response, verdict: record.steps[2]!.response });
  });

  it("sent exactly the recorded prompts and typed parameters over the wire", () => {
    const requests = runtime.standin!.requests();
    expect(requests.map((r) => r.userPrompt)).toEqual(record.steps.map((s) => s.user_prompt));
    expect(requests.map((r) => r.systemPrompt)).toEqual(record.steps.map((s) => s.system_prompt));
    expect(requests[1]!.systemPrompt).toContain("humourless undertaker");
    expect(requests.map((r) => r.generationConfig.temperature)).toEqual([0.7, 0.7, 0]);
    expect(requests.every((r) => r.model === "gemini-2.5-flash")).toBe(true);
  });
});
