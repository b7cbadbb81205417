// The stand-in's answers: the echo format, JSON mode, and values synthesized to fit a response schema.
import { describe, expect, it } from "vitest";
import {
  buildStandinReply,
  estimateTokens,
  hashString,
  synthesizeFromSchema,
  type ResponseSchema,
} from "../../../local/standin/standin-reply";
import { schemaProblems } from "./schema-problems";

const ROW_SCHEMA: ResponseSchema = {
  type: "OBJECT",
  properties: {
    collection: { type: "STRING", enum: ["TaskLogs", "Other"] },
    data: {
      type: "OBJECT",
      properties: {
        problem_code: { type: "STRING" },
        think: { type: "STRING" },
        change: { type: "INTEGER", minimum: 0, maximum: 1 },
        stay: { type: "NUMBER", minimum: -1, maximum: 1 },
        answer: { type: "STRING", enum: ["change", "stay"] },
        consistent: { type: "BOOLEAN" },
        coherent: { type: "BOOLEAN", nullable: true },
        tags: { type: "ARRAY", items: { type: "STRING" } },
      },
      required: ["problem_code", "answer"],
    },
  },
  required: ["collection", "data"],
};

describe("buildStandinReply", () => {
  it("echoes the full user prompt after the model name in plain text mode", () => {
    const userPrompt = "line one\nline two with %context% and émoji 🚋\n" + "x".repeat(5000);
    expect(buildStandinReply({ model: "gemini-2.5-flash", systemPrompt: "be terse", userPrompt, generationConfig: {} })).toBe(
      `[stand-in gemini-2.5-flash] ${userPrompt}`,
    );
  });

  it("answers JSON mode without a schema with the model and the full prompt as valid JSON", () => {
    const userPrompt = 'quotes " and \\ backslashes\nnewline';
    const text = buildStandinReply({
      model: "m",
      systemPrompt: "",
      userPrompt,
      generationConfig: { responseMimeType: "application/json" },
    });
    expect(JSON.parse(text)).toEqual({ model: "m", prompt: userPrompt });
  });

  it("answers JSON mode with a schema with a value that conforms to it", () => {
    const text = buildStandinReply({
      model: "m",
      systemPrompt: "",
      userPrompt: "p",
      generationConfig: { responseMimeType: "application/json", responseSchema: ROW_SCHEMA },
    });
    expect(schemaProblems(ROW_SCHEMA, JSON.parse(text))).toEqual([]);
  });

  it("answers text/x.enum with the first enum value", () => {
    const generationConfig = { responseMimeType: "text/x.enum", responseSchema: { type: "STRING", enum: ["FUNNY", "DULL"] } };
    expect(buildStandinReply({ model: "m", systemPrompt: "", userPrompt: "p", generationConfig })).toBe("FUNNY");
  });
});

describe("synthesizeFromSchema", () => {
  it("conforms to a nested schema in upper case type names", () => {
    expect(schemaProblems(ROW_SCHEMA, synthesizeFromSchema(ROW_SCHEMA, "prompt"))).toEqual([]);
  });

  it("accepts lower case type names", () => {
    const schema: ResponseSchema = {
      type: "object",
      properties: { n: { type: "integer" }, ok: { type: "boolean" }, list: { type: "array", items: { type: "number" } } },
    };
    const value = synthesizeFromSchema(schema, "prompt");
    expect(schemaProblems(schema, value)).toEqual([]);
  });

  it("gives enums their first value and free strings a text naming the property", () => {
    const value = synthesizeFromSchema(ROW_SCHEMA, "p") as { collection: string; data: { answer: string; think: string; tags: string[] } };
    expect(value.collection).toBe("TaskLogs");
    expect(value.data.answer).toBe("change");
    expect(value.data.think).toBe("stand-in think");
    expect(value.data.tags).toEqual(["stand-in tags"]);
  });

  it("is the same for the same prompt and differs between the rows of a grid", () => {
    expect(synthesizeFromSchema(ROW_SCHEMA, "row 1")).toEqual(synthesizeFromSchema(ROW_SCHEMA, "row 1"));
    const rows = Array.from({ length: 8 }, (_, i) => JSON.stringify(synthesizeFromSchema(ROW_SCHEMA, `dilemma ${i} in fr`)));
    expect(new Set(rows).size).toBeGreaterThan(4);
  });

  it("keeps numbers inside minimum and maximum", () => {
    for (let i = 0; i < 50; i++) {
      const int = synthesizeFromSchema({ type: "INTEGER", minimum: 3, maximum: 5 }, `p${i}`) as number;
      const num = synthesizeFromSchema({ type: "NUMBER", minimum: -2.5, maximum: -1 }, `p${i}`) as number;
      expect(Number.isInteger(int) && int >= 3 && int <= 5).toBe(true);
      expect(num >= -2.5 && num <= -1).toBe(true);
    }
  });

  it("gives arrays one item, or minItems, and no more than maxItems", () => {
    expect(synthesizeFromSchema({ type: "ARRAY", items: { type: "INTEGER" } }, "p")).toHaveLength(1);
    expect(synthesizeFromSchema({ type: "ARRAY", items: { type: "INTEGER" }, minItems: 3 }, "p")).toHaveLength(3);
    expect(synthesizeFromSchema({ type: "ARRAY", items: { type: "INTEGER" }, maxItems: 0 }, "p")).toHaveLength(0);
  });

  it("follows propertyOrdering, then the remaining properties", () => {
    const schema: ResponseSchema = {
      type: "OBJECT",
      properties: { a: { type: "STRING" }, b: { type: "STRING" }, c: { type: "STRING" } },
      propertyOrdering: ["c", "a"],
    };
    expect(Object.keys(synthesizeFromSchema(schema, "p") as object)).toEqual(["c", "a", "b"]);
  });

  it("takes the first branch of anyOf and a date-time format", () => {
    expect(synthesizeFromSchema({ anyOf: [{ type: "INTEGER", minimum: 7, maximum: 7 }, { type: "STRING" }] }, "p")).toBe(7);
    expect(synthesizeFromSchema({ type: "STRING", format: "date-time" }, "p")).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});

describe("helpers", () => {
  it("estimates tokens at four characters each, rounded up", () => {
    expect([estimateTokens(""), estimateTokens("abc"), estimateTokens("abcd"), estimateTokens("abcde")]).toEqual([0, 1, 1, 2]);
  });
  it("hashes stably", () => {
    expect(hashString("abc")).toBe(hashString("abc"));
    expect(hashString("abc")).not.toBe(hashString("abd"));
  });
});
