// A step's response_schema (Gemini's OpenAPI subset: OBJECT, nullable, propertyOrdering) as plain JSON Schema,
// which Claude's and OpenAI's structured outputs take.

type Schema = Record<string, unknown>;

/** Keys passed through as they are; everything else Gemini-specific is dropped. */
const KEPT = ["description", "enum", "format", "minimum", "maximum", "minItems", "maxItems", "required", "title"] as const;

/**
 * Pure. Type names lower-cased; `nullable: true` becomes a `null` type; objects close with
 * `additionalProperties: false` (Claude's structured outputs require it, and it is what Gemini's schemas mean).
 */
export function toJsonSchema(schema: unknown): Schema {
  if (!schema || typeof schema !== "object" || Array.isArray(schema)) return {};
  const source = schema as Schema;
  const out: Schema = {};
  for (const key of KEPT) if (source[key] !== undefined) out[key] = source[key];
  const type = typeof source.type === "string" ? source.type.toLowerCase() : Array.isArray(source.type) ? source.type : undefined;
  if (type !== undefined) out.type = source.nullable === true && typeof type === "string" ? [type, "null"] : type;
  if (source.properties && typeof source.properties === "object") {
    out.properties = Object.fromEntries(Object.entries(source.properties as Schema).map(([key, child]) => [key, toJsonSchema(child)]));
  }
  if (source.items !== undefined) out.items = toJsonSchema(source.items);
  if (Array.isArray(source.anyOf)) out.anyOf = source.anyOf.map(toJsonSchema);
  if (out.type === "object" || (Array.isArray(out.type) && out.type.includes("object")) || out.properties) out.additionalProperties = false;
  return out;
}
