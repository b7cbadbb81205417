// The response store's key: what decides an answer is in it, and nothing else (the order of keys in a config).
import { describe, expect, it } from "vitest";
import { canonicalJson, responseKey, type AskedCall } from "../../../shared/engine/response-key";

const asked: AskedCall = {
  ownerUid: "alice",
  route: { provider: "gemini", model: "gemini-2.5-flash" },
  systemPrompt: "be brief",
  userPrompt: "name an owl",
  generationConfig: { temperature: 0, maxOutputTokens: 100 },
  sample: 0,
  occurrence: 0,
};

describe("responseKey", () => {
  it("is 43 characters of [A-Za-z0-9_-]: a Firestore document id and a vendor batch custom_id", () => {
    expect(responseKey(asked)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("is the same for the same call, whatever the order of its parameters", () => {
    const reordered = { ...asked, generationConfig: { maxOutputTokens: 100, temperature: 0 } };
    expect(responseKey(reordered)).toBe(responseKey(asked));
  });

  it.each([
    ["owner", { ownerUid: "bob" }],
    ["no owner (the operator's scope)", { ownerUid: undefined }],
    ["provider", { route: { provider: "vertex", model: "gemini-2.5-flash" } }],
    ["model", { route: { provider: "gemini", model: "gemini-2.5-pro" } }],
    ["where the model is served", { route: { provider: "gemini", model: "gemini-2.5-flash", base_url: "http://127.0.0.1:1" } }],
    ["system prompt", { systemPrompt: "be long" }],
    ["user prompt", { userPrompt: "name a hawk" }],
    ["a parameter", { generationConfig: { temperature: 1, maxOutputTokens: 100 } }],
    ["the response schema", { generationConfig: { ...asked.generationConfig, responseSchema: { type: "object" } } }],
    ["the sample (a batch's repeat)", { sample: 1 }],
    ["the occurrence within a run", { occurrence: 1 }],
  ])("differs when the %s differs", (_what, change) => {
    expect(responseKey({ ...asked, ...change })).not.toBe(responseKey(asked));
  });

  it("does not let one field's text pass for another's (prompts are JSON strings, not joined text)", () => {
    const a = { ...asked, systemPrompt: "a", userPrompt: "bc" };
    const b = { ...asked, systemPrompt: "ab", userPrompt: "c" };
    expect(responseKey(a)).not.toBe(responseKey(b));
  });
});

describe("canonicalJson", () => {
  it("sorts keys at every level and leaves arrays in order", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: undefined } })).toBe('{"a":{"d":[2,1]},"b":1}');
  });
});
