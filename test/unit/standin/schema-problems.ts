// A test helper: checks a value against the OpenAPI subset Gemini's responseSchema uses, listing every mismatch.
import type { ResponseSchema } from "../../../local/standin/standin-reply";

/** `path: problem` lines, empty when `value` conforms to `schema`. */
export function schemaProblems(schema: ResponseSchema, value: unknown, path = "$"): string[] {
  if (value === null) return schema.nullable ? [] : [`${path}: null but not nullable`];
  if (schema.anyOf?.length) {
    return schema.anyOf.some((s) => schemaProblems(s, value, path).length === 0) ? [] : [`${path}: matches no anyOf branch`];
  }
  if (schema.enum && !schema.enum.includes(value)) return [`${path}: ${JSON.stringify(value)} not in enum`];
  const named = Array.isArray(schema.type) ? schema.type.find((t) => t.toLowerCase() !== "null") : schema.type;
  const type = (named ?? (schema.properties ? "object" : schema.items ? "array" : "string")).toLowerCase();
  switch (type) {
    case "string":
      return typeof value === "string" ? [] : [`${path}: expected a string`];
    case "boolean":
      return typeof value === "boolean" ? [] : [`${path}: expected a boolean`];
    case "integer":
    case "number": {
      if (typeof value !== "number" || (type === "integer" && !Number.isInteger(value))) return [`${path}: expected ${type}`];
      if (schema.minimum !== undefined && value < schema.minimum) return [`${path}: below minimum`];
      if (schema.maximum !== undefined && value > schema.maximum) return [`${path}: above maximum`];
      return [];
    }
    case "array": {
      if (!Array.isArray(value)) return [`${path}: expected an array`];
      const problems = value.flatMap((item, i) => (schema.items ? schemaProblems(schema.items, item, `${path}[${i}]`) : []));
      if (schema.minItems !== undefined && value.length < schema.minItems) problems.push(`${path}: fewer than minItems`);
      if (schema.maxItems !== undefined && value.length > schema.maxItems) problems.push(`${path}: more than maxItems`);
      return problems;
    }
    case "object": {
      if (!value || typeof value !== "object" || Array.isArray(value)) return [`${path}: expected an object`];
      const record = value as Record<string, unknown>;
      const problems = (schema.required ?? []).filter((k) => !(k in record)).map((k) => `${path}.${k}: required but missing`);
      for (const [key, child] of Object.entries(schema.properties ?? {})) {
        if (key in record) problems.push(...schemaProblems(child, record[key], `${path}.${key}`));
      }
      for (const key of Object.keys(record)) if (!(key in (schema.properties ?? {}))) problems.push(`${path}.${key}: not in properties`);
      return problems;
    }
    default:
      return [`${path}: unknown type ${type}`];
  }
}
