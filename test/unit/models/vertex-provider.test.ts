// The Vertex AI provider through @google/genai (vertexai: true) against the stand-in's Vertex path: the contract, then its own.
import { describe, expect, it } from "vitest";
import { DEFAULT_MODEL_TABLE } from "../../../shared/providers/model-table";
import { createVertexProvider } from "../../../shared/providers/vertex/vertex-provider";
import { describeProviderContract, request } from "./provider-contract";

const route = DEFAULT_MODEL_TABLE.VERTEX_GEMINI_FLASH!;
const make = (url: string, timeoutMs = 5_000) =>
  createVertexProvider({ project: "my-project", location: "global", baseUrl: url, timeoutMs });
const setup = describeProviderContract("vertex", { protocol: "vertex", route, make });

describe("vertex: Gemini on Vertex AI", () => {
  it("posts to the project's and location's publisher model path, with an entry's own location winning", async () => {
    const { standin, provider } = setup();
    standin.reset();
    await provider.generate(request(route, "a"));
    await provider.generate(request({ ...route, provider: "vertex", location: "europe-west4" }, "b"));
    expect(standin.requests().map((r) => r.path)).toEqual([
      "/v1beta1/projects/my-project/locations/global/publishers/google/models/gemini-2.5-flash:generateContent",
      "/v1beta1/projects/my-project/locations/europe-west4/publishers/google/models/gemini-2.5-flash:generateContent",
    ]);
  });

  it("sends Gemini's generationConfig, the thinking controls inside thinkingConfig", async () => {
    const { standin, provider } = setup();
    standin.reset();
    await provider.generate(request(route, "think", { temperature: 0.3, maxOutputTokens: 64, thinkingBudget: 512 }, "sys"));
    const [sent] = standin.requests();
    expect(sent!.generationConfig).toEqual({ temperature: 0.3, maxOutputTokens: 64, thinkingConfig: { thinkingBudget: 512 } });
    expect(sent!.systemPrompt).toBe("sys");
  });

  it("reads a 429's RetryInfo delay", async () => {
    const { standin, provider } = setup();
    standin.configure({ script: ["429"], retryDelayMs: 2500 });
    await expect(provider.generate(request(route, "x"))).rejects.toMatchObject({ status: 429, retryAfterMs: 2500, isRetryable: true });
  });
});
