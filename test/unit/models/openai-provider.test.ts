// The OpenAI-compatible provider through the `openai` SDK against the stand-in's Chat Completions: the contract, then its own.
import { describe, expect, it } from "vitest";
import { ModelCallError } from "../../../shared/models/model-call-error";
import type { RouteOf } from "../../../shared/providers/model-table";
import { createOpenAiProvider } from "../../../shared/providers/openai/openai-provider";
import { describeProviderContract, request } from "./provider-contract";

const route: RouteOf<"openai"> = { provider: "openai", model: "llama3.2", base_url: "http://127.0.0.1:11434/v1" };
const make = (url: string, timeoutMs = 5_000) =>
  createOpenAiProvider({
    endpointFor: () => ({ baseUrl: `${url}/v1`, apiKey: "sk-openai-test-key-123456", keyName: "OPENAI_API_KEY" }),
    timeoutMs,
  });
const setup = describeProviderContract("openai", { protocol: "openai", route, make });

describe("openai: the Chat Completions request and answer", () => {
  it("sends the system prompt as a system message and maps the sampling parameters", async () => {
    const { standin, provider } = setup();
    standin.reset();
    await provider.generate(
      request(
        route,
        "hi",
        {
          temperature: 0.2,
          topP: 0.9,
          maxOutputTokens: 50,
          stopSequences: ["END"],
          seed: 7,
          presencePenalty: 0.1,
          frequencyPenalty: 0.2,
          thinkingLevel: "low",
        },
        "sys",
      ),
    );
    const [sent] = standin.requests();
    expect(sent).toMatchObject({ protocol: "openai", path: "/v1/chat/completions", systemPrompt: "sys", userPrompt: "hi" });
    expect(sent!.generationConfig).toEqual({
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 50,
      stop: ["END"],
      seed: 7,
      presence_penalty: 0.1,
      frequency_penalty: 0.2,
      reasoning_effort: "low",
    });
  });

  it("asks for json_schema output with a schema and json_object without; reasoning tokens are reported apart", async () => {
    const { standin, provider } = setup();
    standin.reset();
    const schema = { type: "OBJECT", properties: { n: { type: "INTEGER", minimum: 1, maximum: 3 } }, required: ["n"] };
    const structured = await provider.generate(
      request(route, "pick", { responseMimeType: "application/json", responseSchema: schema, thinkingLevel: "medium" }),
    );
    await provider.generate(request(route, "any json", { responseMimeType: "application/json" }));
    const [first, second] = standin.requests();
    expect(first!.generationConfig.response_format).toEqual({
      type: "json_schema",
      json_schema: {
        name: "response",
        strict: false,
        schema: {
          type: "object",
          properties: { n: { type: "integer", minimum: 1, maximum: 3 } },
          required: ["n"],
          additionalProperties: false,
        },
      },
    });
    expect(second!.generationConfig.response_format).toEqual({ type: "json_object" });
    expect((JSON.parse(structured.text) as { n: number }).n).toBeGreaterThanOrEqual(1);
    expect(structured.usage.thinking_tokens).toBeGreaterThan(0);
  });

  it("calls each entry's own server, with the key its endpoint gives", async () => {
    const { standin } = setup();
    standin.reset();
    const seen: string[] = [];
    const provider = createOpenAiProvider({
      endpointFor: (r) => (seen.push(r.model), { baseUrl: `${standin.url}/v1`, apiKey: "k", keyName: r.api_key_env ?? "OPENAI_API_KEY" }),
    });
    await provider.generate(request({ ...route, model: "qwen", api_key_env: "OPENROUTER_API_KEY" }, "x"));
    expect(seen).toEqual(["qwen"]);
    expect(standin.requests()[0]!.model).toBe("qwen");
  });

  it("fails with the endpoint's config error, unsent, when its key is missing", async () => {
    const { standin } = setup();
    standin.reset();
    const provider = createOpenAiProvider({ endpointFor: () => new ModelCallError("OPENAI_API_KEY is not set", "config") });
    await expect(provider.generate(request(route, "x"))).rejects.toMatchObject({ kind: "config", isRetryable: false });
    expect(standin.requests()).toEqual([]);
  });

  it("maps a refusal (message.refusal) to blocked, with its usage", async () => {
    const { standin, provider } = setup();
    standin.configure({ script: ["blocked"] });
    const error = (await provider.generate(request(route, "x")).catch((err: unknown) => err)) as ModelCallError;
    expect(error.kind).toBe("blocked");
    expect(error.message).toMatch(/refused to answer/);
  });
});
