// Validation of what providers bring to a config: the model table (LLM_MODEL_TABLE), the parameters each provider
// takes, and the price table (LLM_PRICE_TABLE).
import { describe, expect, it } from "vitest";
import { formatIssues } from "../../../shared/config/config-issue";
import { DEFAULT_VALIDATION, parseConfig } from "../../../shared/validation/validate-config";
import { buildModelTable, DEFAULT_MODEL_TABLE } from "../../../shared/providers/model-table";
import { PROVIDERS } from "../../../shared/providers/registry";
import { costOf } from "../../../shared/models/price-table";
import { buildPriceTable, DEFAULT_PRICE_TABLE } from "../../../shared/providers/default-prices";
import { match } from "../../support/matchers";

type Raw = Record<string, unknown>;
const step = (model_key: string, parameters: Raw = {}): Raw => ({
  id: "1",
  step_type: 0,
  model_query_config: { model_key, user_prompt: "hi", parameters },
});
const lines = (config: unknown, validation = DEFAULT_VALIDATION): string[] => {
  const parsed = parseConfig("step", config, validation);
  return parsed.ok ? [] : formatIssues(parsed.issues).split("\n");
};
const P = "model_query_config.parameters";

describe("the model table", () => {
  it("has the built-in providers and keys", () => {
    expect(PROVIDERS).toEqual(["gemini", "vertex", "anthropic", "openai"]);
    expect(DEFAULT_MODEL_TABLE.CLAUDE_HAIKU).toEqual({ provider: "anthropic", model: "claude-haiku-5-5" });
    expect(DEFAULT_MODEL_TABLE.CLAUDE_SONNET).toEqual({ provider: "anthropic", model: "claude-sonnet-5-5" });
    expect(DEFAULT_MODEL_TABLE.VERTEX_GEMINI_FLASH).toEqual({ provider: "vertex", model: "gemini-2.5-flash" });
    expect(DEFAULT_MODEL_TABLE.VERTEX_GEMINI_PRO).toEqual({ provider: "vertex", model: "gemini-2.5-pro" });
    expect(DEFAULT_MODEL_TABLE.GEMINI_FLASH).toEqual({ provider: "gemini", model: "gemini-2.5-flash" });
  });

  it("keeps the old string form: a string changes a key's model and keeps its provider; a new key is a Gemini API model", () => {
    const table = buildModelTable('{"GEMINI_FLASH":"gemini-3.5-flash","CLAUDE_HAIKU":"claude-haiku-4-5","MY_GEMINI":"gemini-2.5-pro"}');
    expect(table.GEMINI_FLASH).toEqual({ provider: "gemini", model: "gemini-3.5-flash" });
    expect(table.CLAUDE_HAIKU).toEqual({ provider: "anthropic", model: "claude-haiku-4-5" });
    expect(table.MY_GEMINI).toEqual({ provider: "gemini", model: "gemini-2.5-pro" });
  });

  it("takes objects for every provider, an OpenAI-compatible server with its URL and key variable", () => {
    const table = buildModelTable(
      JSON.stringify({
        LOCAL_LLAMA: { provider: "openai", model: "llama3.2", base_url: "http://127.0.0.1:11434/v1" },
        ROUTER: { provider: "openai", model: "qwen/qwen3", base_url: "https://openrouter.ai/api/v1", api_key_env: "OPENROUTER_API_KEY" },
        EU_FLASH: { provider: "vertex", model: "gemini-2.5-flash", location: "europe-west4" },
      }),
    );
    expect(table.LOCAL_LLAMA).toEqual({ provider: "openai", model: "llama3.2", base_url: "http://127.0.0.1:11434/v1" });
    expect(table.ROUTER).toMatchObject({ api_key_env: "OPENROUTER_API_KEY" });
    expect(table.EU_FLASH).toMatchObject({ location: "europe-west4" });
  });

  it("refuses an unknown provider, listing the providers, and names every bad entry", () => {
    expect(() =>
      buildModelTable('{"X":{"provider":"mistral","model":"m"},"Y":{"model":"m"},"Z":{"provider":"openai","model":"m"}}'),
    ).toThrow(
      [
        "LLM_MODEL_TABLE is invalid:",
        'X.provider: unknown provider "mistral"; known: gemini, vertex, anthropic, openai',
        "Y.provider: provider is required; known: gemini, vertex, anthropic, openai",
        "Z.base_url: base_url must be an http(s) URL such as http://127.0.0.1:11434/v1",
      ].join("\n"),
    );
    expect(() => buildModelTable('{"lower":"m"}')).toThrow(/lower: model keys are UPPER_SNAKE_CASE/);
  });
});

describe("parameters each provider takes", () => {
  it("refuses Claude sampling parameters, naming the provider and the parameter", () => {
    expect(lines(step("CLAUDE_HAIKU", { temperature: "0.7", top_k: 5, seed: 1 }))).toEqual([
      match.stringMatching(
        new RegExp(
          `^${P}.temperature: the provider anthropic \\(Claude\\) does not support parameter "temperature" \\(Anthropic's current API refuses sampling parameters on every Claude model\\); it supports max_output_tokens, `,
        ),
      ),
      match.stringMatching(new RegExp(`^${P}.top_k: the provider anthropic \\(Claude\\) does not support parameter "top_k"`)),
      match.stringMatching(new RegExp(`^${P}.seed: the provider anthropic \\(Claude\\) does not support parameter "seed"`)),
    ]);
  });

  it("names a parameter as the step wrote it (camelCase too)", () => {
    expect(lines(step("CLAUDE_HAIKU", { topP: 0.5 }))[0]).toMatch(
      /^model_query_config\.parameters\.topP: the provider anthropic \(Claude\) does not support parameter "topP"/,
    );
  });

  it("refuses top_k and candidate_count on an OpenAI-compatible server, and text/x.enum answers", () => {
    const validation = {
      ...DEFAULT_VALIDATION,
      modelTable: buildModelTable('{"LOCAL":{"provider":"openai","model":"m","base_url":"http://127.0.0.1:1/v1"}}'),
    };
    expect(lines(step("LOCAL", { top_k: 3, candidate_count: 1 }), validation)).toEqual([
      match.stringMatching(/parameters\.top_k: the provider openai \(an OpenAI-compatible server\) does not support parameter "top_k"/),
      match.stringMatching(/parameters\.candidate_count: the provider openai .* does not support parameter "candidate_count"/),
    ]);
    expect(
      lines(step("LOCAL", { response_mime_type: "text/x.enum", response_schema: { type: "STRING", enum: ["A"] } }), validation),
    ).toEqual([
      `${P}.response_mime_type: the provider openai (an OpenAI-compatible server) has no text/x.enum answers; use application/json with a response_schema`,
    ]);
    expect(lines(step("LOCAL", { temperature: 1.5, seed: 3, thinking_level: "high" }), validation)).toEqual([]);
  });

  it("checks thinking controls per provider: levels, budgets, and never both", () => {
    expect(lines(step("GEMINI_FLASH", { thinking_budget: 1024, thinking_level: "low" }))).toEqual([
      `${P}.thinking_level: give thinking_budget or thinking_level, not both (models refuse the pair)`,
    ]);
    expect(lines(step("GEMINI_3_5_FLASH", { thinking_level: "max" }))).toEqual([
      `${P}.thinking_level: the provider gemini (the Gemini API) takes thinking_level minimal, low, medium, high; got "max"`,
    ]);
    expect(lines(step("CLAUDE_SONNET", { thinking_level: "max" }))).toEqual([]);
    expect(lines(step("CLAUDE_SONNET", { thinking_budget: 2048 }))).toEqual([
      `${P}.thinking_budget: the provider anthropic (Claude) takes a thinking_budget of at least 1024 and below max_output_tokens (1024, Claude's default here); got 2048`,
    ]);
    expect(lines(step("CLAUDE_SONNET", { thinking_budget: 2048, max_output_tokens: 4096 }))).toEqual([]);
    expect(lines(step("VERTEX_GEMINI_FLASH", { thinking_budget: 0, temperature: 1.5, seed: 4 }))).toEqual([]);
  });

  it("wants a response_schema for JSON from Claude", () => {
    expect(lines(step("CLAUDE_HAIKU", { response_mime_type: "application/json" }))).toEqual([
      `${P}.response_mime_type: the provider anthropic (Claude) gives JSON only through structured outputs: add a response_schema`,
    ]);
    expect(
      lines(step("CLAUDE_HAIKU", { response_mime_type: "application/json", response_schema: { type: "OBJECT", properties: {} } })),
    ).toEqual([]);
  });

  it("checks parameters against the table the config is validated with (an override changes the provider)", () => {
    const validation = {
      ...DEFAULT_VALIDATION,
      modelTable: buildModelTable('{"GEMINI_FLASH":{"provider":"anthropic","model":"claude-haiku-5-5"}}'),
    };
    expect(lines(step("GEMINI_FLASH", { temperature: "0.2" }))).toEqual([]);
    expect(lines(step("GEMINI_FLASH", { temperature: "0.2" }), validation)).toHaveLength(1);
  });
});

describe("the price table", () => {
  it("has a price, read on a date, for the model of every built-in key", () => {
    for (const [key, route] of Object.entries(DEFAULT_MODEL_TABLE)) {
      expect(DEFAULT_PRICE_TABLE[route.model], `${key} (${route.model})`).toMatchObject({
        input_per_million: match.any(Number),
        output_per_million: match.any(Number),
        read_on: match.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      });
    }
  });

  it("is overridden and extended by LLM_PRICE_TABLE, and refuses an entry without its date", () => {
    const prices = buildPriceTable(
      '{"llama3.2":{"input_per_million":0,"output_per_million":0,"read_on":"2026-12-01"},"gemini-2.5-flash":{"input_per_million":1,"output_per_million":2,"read_on":"2026-12-01"}}',
    );
    expect(prices["llama3.2"]).toMatchObject({ input_per_million: 0 });
    expect(prices["gemini-2.5-flash"]).toMatchObject({ input_per_million: 1, output_per_million: 2 });
    expect(prices["claude-haiku-5-5"]).toEqual(DEFAULT_PRICE_TABLE["claude-haiku-5-5"]);
    expect(() => buildPriceTable('{"m":{"input_per_million":1,"output_per_million":2}}')).toThrow(
      /LLM_PRICE_TABLE is invalid:\nm\.read_on: /,
    );
    expect(() => buildPriceTable("{oops")).toThrow(/LLM_PRICE_TABLE is not valid JSON/);
  });

  it("prices prompt and output tokens per million: 1,000 prompt and 500 output tokens of gemini-2.5-flash cost $0.00155", () => {
    expect(costOf({ prompt_tokens: 1000, output_tokens: 500, total_tokens: 1500 }, DEFAULT_PRICE_TABLE["gemini-2.5-flash"]!)).toBe(0.00155);
  });
});
