// Keys per provider: locally a missing key means the one stand-in (a banner line each); deployed, a missing Gemini key
// stops start-up as before, and any other provider's missing key fails only its own steps, with config_error.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatIssues } from "../../../shared/config/config-issue";
import { parseConfig } from "../../../shared/validation/validate-config";
import { runTaskSteps } from "../../../shared/engine/run-task-steps";
import { createRuntime } from "../../../shared/runtime/create-runtime";
import { vertexProject } from "../../../shared/providers/vertex/setup";
import { startStandin, type Standin } from "../../../local/standin/standin-server";

const noSink = { description: "nowhere (test)", write: () => Promise.resolve("nowhere") };

function twoVendorTask() {
  const parsed = parseConfig("task", {
    task_id: "t",
    steps: [
      { id: "gemini", model_query_config: { model_key: "GEMINI_FLASH", user_prompt: "hi" }, output_config: { payload: { a: "" } } },
      {
        id: "claude",
        model_query_config: { model_key: "CLAUDE_HAIKU", user_prompt: "%a%" },
        input_config: { payload: { a: "" } },
        output_config: { payload: { b: "" } },
      },
    ],
  });
  if (!parsed.ok) throw new Error(formatIssues(parsed.issues));
  return parsed.value;
}

let standin: Standin;
beforeAll(async () => {
  standin = await startStandin();
});
afterAll(() => standin.close());

describe("locally, with no keys at all", () => {
  it("starts one stand-in for every provider and says so in one line each, Gemini's first", async () => {
    let started = 0;
    const runtime = await createRuntime({ env: {}, sink: noSink, startStandin: () => (started++, startStandin()) });
    try {
      expect(started).toBe(1);
      const url = runtime.standin!.url;
      expect(runtime.banner.slice(0, 3)).toEqual([
        `No GEMINI_API_KEY set: model calls go to the offline Gemini stand-in at ${url} (its answers echo the prompt).`,
        `No ANTHROPIC_API_KEY set: Claude calls go to the offline stand-in at ${url} (its answers echo the prompt).`,
        `No Vertex AI project set (GOOGLE_CLOUD_PROJECT), or VERTEX_BASE_URL given: Vertex AI calls go to the offline stand-in at ${url}, without Google credentials.`,
      ]);
      const record = await runTaskSteps(twoVendorTask(), "local", runtime.engine);
      expect(record.status).toBe("success");
      expect(runtime.standin!.requests().map((r) => r.protocol)).toEqual(["gemini", "anthropic"]);
    } finally {
      await runtime.close();
    }
  });

  it("sends OpenAI-compatible entries without a key to the stand-in, and those with OPENAI_BASE_URL there", async () => {
    const table = '{"LOCAL":{"provider":"openai","model":"llama3.2","base_url":"http://127.0.0.1:9/v1"}}';
    const local = await createRuntime({ env: { LLM_MODEL_TABLE: table }, sink: noSink, startStandin: () => startStandin() });
    expect(local.banner).toContain(
      `No key set for LOCAL: their calls go to the offline stand-in at ${local.standin!.url}/v1 (its answers echo the prompt).`,
    );
    await local.close();
    const routed = await createRuntime({
      env: { LLM_MODEL_TABLE: table, GEMINI_API_KEY: "k", OPENAI_BASE_URL: `${standin.url}/v1` },
      sink: noSink,
    });
    expect(routed.banner).toContain(`OpenAI-compatible calls go to OPENAI_BASE_URL: ${standin.url}/v1`);
  });
});

describe("deployed (K_SERVICE set, not the emulator), with only a Gemini key", () => {
  const deployed = () => ({
    K_SERVICE: "runtask",
    GEMINI_API_KEY: "gemini-key-123456",
    GEMINI_BASE_URL: standin.url,
    ANTHROPIC_API_KEY: "none",
  });

  it("starts, runs Gemini steps, and fails a Claude step at once with config_error naming the secret and the command", async () => {
    const runtime = await createRuntime({ env: deployed(), sink: noSink });
    expect(runtime.banner).toContain(
      "No ANTHROPIC_API_KEY set: steps that call Claude fail with config_error (`firebase functions:secrets:set ANTHROPIC_API_KEY`).",
    );
    standin.reset();
    const record = await runTaskSteps(twoVendorTask(), "deployed", runtime.engine);
    expect(record.steps.map((s) => s.status)).toEqual(["success", "failed"]);
    expect(record.error).toMatchObject({ code: "config_error", step_id: "claude", retryable: false, attempts: 1 });
    expect(record.error!.message).toMatch(
      /^ANTHROPIC_API_KEY is not set, so Claude .* cannot be called .*`firebase functions:secrets:set ANTHROPIC_API_KEY`/,
    );
    // Nothing was sent for the Claude step, and nothing for it was billed.
    expect(standin.requests().map((r) => r.protocol)).toEqual(["gemini"]);
    expect(record.steps[1]!.usage.total_tokens).toBe(0);
  });

  it("still refuses to start without a Gemini key, naming the secret", async () => {
    await expect(createRuntime({ env: { K_SERVICE: "runtask" }, sink: noSink })).rejects.toThrow(
      /GEMINI_API_KEY is not set.*firebase functions:secrets:set GEMINI_API_KEY/,
    );
  });

  it("takes Vertex AI's project from the Firebase project, never from a demo project", () => {
    expect(vertexProject({ GCLOUD_PROJECT: "my-project" })).toBe("my-project");
    expect(vertexProject({ FIREBASE_CONFIG: '{"projectId":"from-config"}' })).toBe("from-config");
    expect(vertexProject({ VERTEX_PROJECT: "billing", GOOGLE_CLOUD_PROJECT: "other" })).toBe("billing");
    expect(vertexProject({ GCLOUD_PROJECT: "demo-llm-agent-executor" })).toBeUndefined();
  });
});
