// The Anthropic provider through @anthropic-ai/sdk against the stand-in's Messages API: the contract, then what is Claude's own.
import { describe, expect, it } from "vitest";
import { createAnthropicProvider } from "../../../shared/providers/anthropic/anthropic-provider";
import { DEFAULT_MODEL_TABLE } from "../../../shared/providers/model-table";
import { describeProviderContract, request } from "./provider-contract";

const route = DEFAULT_MODEL_TABLE.CLAUDE_HAIKU!;
const make = (url: string, timeoutMs = 5_000) => createAnthropicProvider({ apiKey: "sk-ant-test-key-123456", baseUrl: url, timeoutMs });
const setup = describeProviderContract("anthropic", { protocol: "anthropic", route, make });

describe("anthropic: Claude's request and answer", () => {
  it("sends the original's max_tokens 1,024 when the step sets none, the system prompt apart, and no sampling parameters", async () => {
    const { standin, provider } = setup();
    standin.reset();
    await provider.generate(request(route, "hi", {}, "sys"));
    const [sent] = standin.requests();
    expect(sent!.generationConfig).toEqual({ max_tokens: 1024 });
    expect(sent!.systemPrompt).toBe("sys");
    expect(sent!.path).toBe("/v1/messages");
  });

  it("maps max_output_tokens, stop_sequences, a thinking budget, and a JSON schema to structured output", async () => {
    const { standin, provider } = setup();
    standin.reset();
    const schema = { type: "OBJECT", properties: { verdict: { type: "STRING", enum: ["FUNNY", "DULL"] } }, required: ["verdict"] };
    const result = await provider.generate(
      request(route, "rate it", {
        maxOutputTokens: 4000,
        stopSequences: ["END"],
        thinkingBudget: 2048,
        responseMimeType: "application/json",
        responseSchema: schema,
      }),
    );
    expect(standin.requests()[0]!.generationConfig).toEqual({
      max_tokens: 4000,
      stop_sequences: ["END"],
      thinking: { type: "enabled", budget_tokens: 2048 },
      output_config: {
        format: {
          type: "json_schema",
          schema: {
            type: "object",
            properties: { verdict: { type: "string", enum: ["FUNNY", "DULL"] } },
            required: ["verdict"],
            additionalProperties: false,
          },
        },
      },
    });
    expect(JSON.parse(result.text)).toEqual({ verdict: "FUNNY" });
    // The thinking block is not the answer, but its tokens are billed output, reported apart.
    expect(result.usage.thinking_tokens).toBeGreaterThan(0);
    expect(result.usage.output_tokens).toBeGreaterThan(result.usage.thinking_tokens!);
  });

  it("turns thinking_level into adaptive thinking at that effort", async () => {
    const { standin, provider } = setup();
    standin.reset();
    await provider.generate(request(route, "think", { thinkingLevel: "high" }));
    expect(standin.requests()[0]!.generationConfig).toMatchObject({ thinking: { type: "adaptive" }, output_config: { effort: "high" } });
  });

  it("answers a scripted text word for word", async () => {
    const { standin, provider } = setup();
    standin.configure({ script: [{ text: "Because he was <answer>outstanding</answer>." }] });
    expect((await provider.generate(request(route, "why?"))).text).toBe("Because he was <answer>outstanding</answer>.");
  });

  it("names ANTHROPIC_API_KEY when the key is refused, and never repeats the key", async () => {
    const { standin, provider } = setup();
    standin.configure({ script: ["403"] });
    const error = (await provider.generate(request(route, "x")).catch((err: unknown) => err)) as Error;
    expect(error.message).toMatch(/HTTP 403 permission_error: .*check ANTHROPIC_API_KEY/);
    expect(error.message).not.toContain("sk-ant-test-key-123456");
  });

  it("marks a 529 overloaded_error retryable", async () => {
    const { standin, provider } = setup();
    standin.configure({ script: ["529"] });
    await expect(provider.generate(request(route, "x"))).rejects.toMatchObject({
      status: 529,
      isRetryable: true,
      options: { reason: "overloaded_error" },
    });
  });
});
