// The stand-in's Anthropic and OpenAI protocols on the wire, and the knobs every protocol shares.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildStandinReply } from "../../../local/standin/standin-reply";
import { startStandin, type Standin } from "../../../local/standin/standin-server";

let standin: Standin;
beforeAll(async () => {
  standin = await startStandin();
});
afterAll(() => standin.close());
beforeEach(() => {
  standin.configure({ rpm: 0, faults: {}, latencyMs: 0 });
  standin.reset();
});

async function post(path: string, body: unknown): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const res = await fetch(`${standin.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}
const messages = (text: string, extra: Record<string, unknown> = {}) => ({
  model: "claude-haiku-5-5",
  max_tokens: 100,
  messages: [{ role: "user", content: text }],
  ...extra,
});
const chat = (text: string, extra: Record<string, unknown> = {}) => ({
  model: "llama3.2",
  messages: [
    { role: "system", content: "sys" },
    { role: "user", content: text },
  ],
  ...extra,
});

describe("Anthropic's Messages API", () => {
  it("answers a message with text, end_turn and usage in Anthropic's shape", async () => {
    const r = await post("/v1/messages", messages("hello", { system: [{ type: "text", text: "be kind" }] }));
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      type: "message",
      role: "assistant",
      model: "claude-haiku-5-5",
      content: [{ type: "text", text: "[stand-in claude-haiku-5-5] hello" }],
      stop_reason: "end_turn",
      usage: { input_tokens: 4, output_tokens: 9 },
    });
    expect(standin.requests()[0]).toMatchObject({
      protocol: "anthropic",
      systemPrompt: "be kind",
      userPrompt: "hello",
      generationConfig: { max_tokens: 100 },
    });
  });

  it("refuses a request without max_tokens as the API does, and errors are {type:error, error:{type, message}}", async () => {
    const r = await post("/v1/messages", { model: "m", messages: [{ role: "user", content: "x" }] });
    expect(r).toMatchObject({
      status: 400,
      json: { type: "error", error: { type: "invalid_request_error", message: "max_tokens: Field required" } },
    });
    standin.configure({ script: ["529"] });
    expect((await post("/v1/messages", messages("x"))).json).toMatchObject({ type: "error", error: { type: "overloaded_error" } });
  });
});

describe("OpenAI's Chat Completions", () => {
  it("answers at /v1/chat/completions and /chat/completions with a choice, finish_reason stop and usage", async () => {
    for (const path of ["/v1/chat/completions", "/chat/completions"]) {
      const r = await post(path, chat("hello"));
      expect(r.json).toMatchObject({
        object: "chat.completion",
        choices: [{ message: { role: "assistant", content: "[stand-in llama3.2] hello" }, finish_reason: "stop" }],
        usage: { prompt_tokens: 3 },
      });
    }
    expect(standin.requests()[0]).toMatchObject({ protocol: "openai", systemPrompt: "sys", userPrompt: "hello" });
  });

  it("answers JSON for json_object and a conforming value for json_schema", async () => {
    const plain = await post("/v1/chat/completions", chat("x", { response_format: { type: "json_object" } }));
    const text = (plain.json.choices as { message: { content: string } }[])[0]!.message.content;
    expect(JSON.parse(text)).toEqual({ model: "llama3.2", prompt: "x" });
    const schema = { type: "object", properties: { n: { type: ["integer", "null"], minimum: 1, maximum: 1 } }, required: ["n"] };
    const typed = await post(
      "/v1/chat/completions",
      chat("x", { response_format: { type: "json_schema", json_schema: { name: "r", schema } } }),
    );
    expect(JSON.parse((typed.json.choices as { message: { content: string } }[])[0]!.message.content)).toEqual({ n: 1 });
  });
});

describe("knobs shared by every protocol", () => {
  it("counts one rate limit across protocols and advertises the wait in each one's way", async () => {
    standin.configure({ rpm: 1, retryDelayMs: 100 });
    expect((await post("/v1/messages", messages("first"))).status).toBe(200);
    const anthropic = await post("/v1/messages", messages("second"));
    const openai = await post("/v1/chat/completions", chat("third"));
    for (const r of [anthropic, openai]) {
      expect(r.status).toBe(429);
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(Number(r.headers.get("retry-after-ms"))).toBeGreaterThan(0);
    }
    expect(anthropic.json).toMatchObject({ error: { type: "rate_limit_error" } });
    expect(openai.json).toMatchObject({ error: { code: "rate_limit_exceeded" } });
    expect(standin.stats().faults.rate_limited).toBe(2);
  });

  it("answers a scripted text word for word in any protocol, and refuses a malformed script item", async () => {
    standin.configure({ script: [{ text: "<answer>FUNNY</answer>" }, "ok"] });
    expect((await post("/v1/messages", messages("x"))).json.content).toEqual([
      { type: "text", text: "<answer>FUNNY</answer>", citations: null },
    ]);
    expect(() => standin.configure({ script: [{ text: 3 } as never] })).toThrow(
      /script\[0\]: expected "ok", \{"text": "an answer"\} or one of/,
    );
  });

  it("answers a 404 naming every route for an unknown path", async () => {
    const r = await post("/v1/embeddings", {});
    expect(r.status).toBe(404);
    expect(String((r.json.error as { message: string }).message)).toMatch(
      /no such path \/v1\/embeddings; POST .*generateContent.*\/v1\/messages or \/v1\/chat\/completions/,
    );
  });
});

describe("the reply text", () => {
  it("fills each empty tag pair the prompt asks for, after the echo, once per tag", () => {
    const reply = buildStandinReply({
      model: "m",
      systemPrompt: "",
      userPrompt: "Think inside <think></think>, answer inside <answer></answer>; <answer></answer> again",
      generationConfig: {},
    });
    expect(reply).toBe(
      "[stand-in m] Think inside <think></think>, answer inside <answer></answer>; <answer></answer> again\n<think>stand-in think</think>\n<answer>stand-in answer</answer>",
    );
  });
});
