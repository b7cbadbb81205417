// What the offline stand-in answers to a prompt (in every protocol): a deterministic text, JSON echo, or a value
// synthesized from a response schema.
//
// Reply formats:
// - plain text: `[stand-in MODEL] USER_PROMPT`, the full user prompt unchanged, so data flow through a
//   chain shows in every output; when the prompt asks for an answer inside tags (it holds an empty `<answer></answer>`),
//   a line per such tag follows, `<answer>stand-in answer</answer>`, as a model's answer would end;
// - responseMimeType "application/json" without responseSchema: `{"model":"MODEL","prompt":"USER_PROMPT"}`;
// - with a responseSchema: a value conforming to it (see synthesizeFromSchema);
// - responseMimeType "text/x.enum" with an enum schema: the first enum value as plain text.

export interface StandinPrompt {
  model: string;
  systemPrompt: string;
  userPrompt: string;
  /** The request's generation parameters as sent: Gemini's generationConfig, or the Messages / Chat Completions body less model and messages. */
  generationConfig: Record<string, unknown>;
  /** What kind of answer was asked for, in Gemini's terms; read from generationConfig when absent (the Gemini protocols). */
  responseFormat?: { mimeType?: string; schema?: unknown };
}

/** An empty tag pair in a prompt, `<answer></answer>`: the prompt asks for an answer inside it. */
const EMPTY_TAG = /<([A-Za-z_][A-Za-z0-9_.-]*)><\/\1>/g;

/** The reply text for one request; pure, so the same request always gets the same answer. */
export function buildStandinReply(prompt: StandinPrompt): string {
  const format = prompt.responseFormat ?? {
    mimeType: prompt.generationConfig.responseMimeType as string | undefined,
    schema: prompt.generationConfig.responseSchema,
  };
  const schema = asSchema(format.schema);
  if (format.mimeType === "application/json") {
    if (schema) return JSON.stringify(synthesizeFromSchema(schema, prompt.userPrompt));
    return JSON.stringify({ model: prompt.model, prompt: prompt.userPrompt });
  }
  if (format.mimeType === "text/x.enum" && schema && Array.isArray(schema.enum) && schema.enum.length > 0) return String(schema.enum[0]);
  const echo = `[stand-in ${prompt.model}] ${prompt.userPrompt}`;
  const tags = [...new Set([...`${prompt.systemPrompt}\n${prompt.userPrompt}`.matchAll(EMPTY_TAG)].map((m) => m[1]!))];
  return tags.length ? `${echo}\n${tags.map((tag) => `<${tag}>stand-in ${tag}</${tag}>`).join("\n")}` : echo;
}

/** Gemini's usage estimate stand-in: about four characters a token, rounded up. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** FNV-1a, 32 bit: cheap, stable across runs and platforms. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The subset of OpenAPI 3.0 schema that Gemini's responseSchema accepts (type names in either case). */
export interface ResponseSchema {
  type?: string | string[];
  format?: string;
  description?: string;
  nullable?: boolean;
  enum?: unknown[];
  properties?: Record<string, ResponseSchema>;
  required?: string[];
  propertyOrdering?: string[];
  items?: ResponseSchema;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  anyOf?: ResponseSchema[];
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A value conforming to `schema`. Enums give their first value; free strings name their property;
 * numbers and booleans come from a hash of the prompt and the field's path, so the rows of a grid
 * differ from each other while each row stays the same from run to run. Arrays get one item (or minItems).
 */
export function synthesizeFromSchema(schema: ResponseSchema, userPrompt: string, path = ""): JsonValue {
  const first = schema.anyOf?.[0];
  if (first) return synthesizeFromSchema(first, userPrompt, path);
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return toJson(schema.enum[0]);
  const name =
    path
      .split(".")
      .pop()
      ?.replace(/\[\d+\]$/, "") || "value";
  const seed = hashString(`${userPrompt}\u0000${path}`);
  switch (schemaType(schema)) {
    case "object": {
      const props = schema.properties ?? {};
      const ordered = [...(schema.propertyOrdering ?? []).filter((k) => k in props), ...Object.keys(props)];
      const out: { [key: string]: JsonValue } = {};
      for (const key of new Set(ordered)) {
        const child = props[key];
        if (child) out[key] = synthesizeFromSchema(child, userPrompt, path ? `${path}.${key}` : key);
      }
      return out;
    }
    case "array": {
      const wanted = Math.max(1, schema.minItems ?? 0);
      const count = schema.maxItems === undefined ? wanted : Math.min(wanted, schema.maxItems);
      const items = schema.items ?? { type: "string" };
      return Array.from({ length: count }, (_, i) => synthesizeFromSchema(items, userPrompt, `${path}[${i}]`));
    }
    case "integer": {
      const [lo, hi] = bounds(schema, 0, 100);
      const min = Math.ceil(lo);
      const span = Math.floor(hi) - min + 1;
      return span > 0 ? min + (seed % span) : min;
    }
    case "number": {
      const [lo, hi] = bounds(schema, 0, 100);
      return Math.round((lo + ((seed % 10_001) / 10_000) * (hi - lo)) * 100) / 100;
    }
    case "boolean":
      return (seed & 1) === 1;
    case "null":
      return null;
    default:
      if (schema.format === "date-time") return new Date(Date.UTC(2025, 0, 1) + (seed % 365) * 86_400_000).toISOString();
      return `stand-in ${name}`;
  }
}

function schemaType(schema: ResponseSchema): string {
  // JSON Schema (Claude's and OpenAI's structured outputs) may list types: ["string", "null"].
  const listed = Array.isArray(schema.type)
    ? (schema.type as unknown[]).find((t) => typeof t === "string" && t.toLowerCase() !== "null")
    : undefined;
  if (typeof listed === "string") return listed.toLowerCase();
  if (typeof schema.type === "string") return schema.type.toLowerCase();
  if (schema.properties) return "object";
  if (schema.items) return "array";
  return "string";
}

/** Keeps a synthesized number inside minimum/maximum, falling back to a small default range. */
function bounds(schema: ResponseSchema, defLo: number, defHi: number): [number, number] {
  const lo = schema.minimum ?? (schema.maximum !== undefined ? Math.min(defLo, schema.maximum) : defLo);
  const hi = schema.maximum ?? Math.max(lo, lo === defLo ? defHi : lo + defHi);
  return [lo, hi];
}

function toJson(value: unknown): JsonValue {
  if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  return JSON.stringify(value) ?? null;
}

function asSchema(value: unknown): ResponseSchema | undefined {
  return value && typeof value === "object" && !Array.isArray(value) ? value : undefined;
}
