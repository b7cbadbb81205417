// The original samples parse as the config types they claim to be, and the step sample is the seed README's example.
import { describe, expect, it } from "vitest";
import { parseJsonc } from "../../shared/config/jsonc";
import { parseConfig, parseConfigText } from "../../shared/validation/validate-config";
import { README_STEP } from "../support/readme-step";
import {
  sampleFunctionCallConfig,
  sampleJobConfig,
  sampleStepConfig,
  sampleTagJobConfig,
  sampleTagTaskConfig,
  sampleTaskConfig,
} from "../../local/samples/samples";
import { match } from "../support/matchers";

describe("samples", () => {
  it.each([
    ["sampleStepConfig", "step", sampleStepConfig],
    ["sampleFunctionCallConfig", "step", sampleFunctionCallConfig],
    ["sampleTaskConfig", "task", sampleTaskConfig],
    ["sampleJobConfig", "job", sampleJobConfig],
    ["sampleTagTaskConfig", "task", sampleTagTaskConfig],
    ["sampleTagJobConfig", "job", sampleTagJobConfig],
  ] as const)("%s parses as a %s config", (_, type, sample) => {
    const parsed = parseConfig(type, sample);
    expect(parsed.ok ? [] : parsed.issues).toEqual([]);
  });

  it("the README's step example, // comment and all, parses and is exactly sampleStepConfig", () => {
    const parsed = parseConfigText("step", README_STEP);
    expect(parsed.ok ? [] : parsed.issues).toEqual([]);
    expect(parseJsonc(README_STEP)).toEqual(sampleStepConfig);
  });

  it("the function call sample calls gcp_firestore_log with %data%, whose input is a valid request", () => {
    const parsed = parseConfig("step", sampleFunctionCallConfig);
    if (!parsed.ok) throw new Error("invalid sample");
    expect(parsed.value.step_type).toBe(1);
    expect(parsed.value.function_call_config).toEqual({ function_name: "gcp_firestore_log", request: "%data%" });
    const request: unknown = JSON.parse(parsed.value.input_config.payload.data!);
    expect(request).toMatchObject({ collection: "samples", data: { joke: match.any(String) } });
  });

  it("the task sample chains three GEMINI_FLASH steps through %context% in steps 2 and 3", () => {
    const parsed = parseConfig("task", sampleTaskConfig);
    if (!parsed.ok) throw new Error("invalid sample");
    const steps = parsed.value.steps;
    expect(steps.map((s) => s.model_query_config?.model_key)).toEqual(["GEMINI_FLASH", "GEMINI_FLASH", "GEMINI_FLASH"]);
    expect(steps[0]!.model_query_config!.user_prompt).not.toContain("%context%");
    expect(steps[1]!.model_query_config!.user_prompt).toContain("%context%");
    expect(steps[1]!.model_query_config!.system_prompt).toContain("humourless undertaker");
    expect(steps[1]!.model_query_config!.user_prompt).toContain("<answer></answer>");
    expect(steps[2]!.model_query_config!.user_prompt).toContain("%context%");
    expect(steps[2]!.model_query_config!.user_prompt).toMatch(/FUNNY or DULL/);
    for (const step of steps) {
      expect(step.model_query_config!.parameters.temperature).toEqual(match.any(String));
      expect(step.metadata).toEqual({ timestamp: match.any(Number), source: "create_sample", version: "1.0" });
    }
  });

  it("the job sample is a queued job whose task is the task sample", () => {
    const parsed = parseConfig("job", sampleJobConfig);
    const task = parseConfig("task", sampleTaskConfig);
    if (!parsed.ok || !task.ok) throw new Error("invalid sample");
    expect(parsed.value).toMatchObject({ job_id: "sample_job", status: "queued" });
    expect(parsed.value.task_config).toEqual(task.value);
  });
});

describe("seeds/sample_job.json", () => {
  it("is the original sample job, exactly as create-sample writes it", async () => {
    const { readFile } = await import("node:fs/promises");
    const { parseJsonc } = await import("../../shared/config/jsonc");
    const { sampleJobConfig } = await import("../../local/samples/samples");
    expect(parseJsonc(await readFile("seeds/sample_job.json", "utf8"))).toEqual(sampleJobConfig);
  });
});

describe("seeds/sample_tag_job.json", () => {
  it("is the sample job with step 3 replaced by a tag rule on step 2, exactly as sampleTagJobConfig", async () => {
    const { readFile } = await import("node:fs/promises");
    expect(parseJsonc(await readFile("seeds/sample_tag_job.json", "utf8"))).toEqual(sampleTagJobConfig);
    const tag = parseConfig("task", sampleTagTaskConfig);
    const original = parseConfig("task", sampleTaskConfig);
    if (!tag.ok || !original.ok) throw new Error("invalid sample");
    expect(tag.value.steps).toHaveLength(2);
    expect(tag.value.steps[0]).toEqual(original.value.steps[0]);
    const { output_config, description, ...explain } = tag.value.steps[1]!;
    const { output_config: originalOutput, ...originalExplain } = original.value.steps[1]!;
    // Alike but for the description, which the tag version rewords.
    expect({ ...explain, description: originalExplain.description }).toEqual(originalExplain);
    expect(description).toMatch(/answer/);
    expect(output_config).toEqual({ payload: { ...originalOutput.payload, verdict: "" }, extract: { verdict: { tag: "answer" } } });
    expect(tag.value.output_config).toEqual(original.value.output_config);
  });
});
