// Checks a JSON answer against the step's response_schema (Gemini's OpenAPI subset, or plain JSON Schema).
//
// Gemini and Claude enforce the schema on their side; OpenAI-compatible servers often do not. The check makes a
// step's promise ("this output is JSON of that shape") hold whichever model answered.

type Schema = Record<string, unknown>;

const MAX_PROBLEMS = 10;

/** `path: problem` lines (at most ten), empty when `value` conforms to `schema`. Paths start at `$`. */
export function schemaProblems(schema: unknown, value: unknown, path = "$"): string[] {
  return check(asSchema(schema), value, path).slice(0, MAX_PROBLEMS);
}

function check(schema: Schema, value: unknown, path: string): string[] {
  const anyOf = Array.isArray(schema.anyOf) ? schema.anyOf.map(asSchema) : [];
  if (anyOf.length) return anyOf.some((branch) => check(branch, value, path).length === 0) ? [] : [`${path}: matches none of anyOf`];
  const types = typesOf(schema);
  if (value === null)
    return schema.nullable === true || types.includes("null") ? [] : [`${path}: null, but the schema does not allow null`];
  if (Array.isArray(schema.enum) && !schema.enum.some((allowed) => allowed === value)) {
    return [`${path}: ${JSON.stringify(value)} is not one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`];
  }
  const type = types.find((t) => t !== "null") ?? (schema.properties ? "object" : schema.items ? "array" : undefined);
  switch (type) {
    case "string":
      return typeof value === "string" ? [] : [`${path}: expected a string, got ${kindOf(value)}`];
    case "boolean":
      return typeof value === "boolean" ? [] : [`${path}: expected true or false, got ${kindOf(value)}`];
    case "integer":
    case "number":
      return checkNumber(schema, value, path, type);
    case "array":
      return checkArray(schema, value, path);
    case "object":
      return checkObject(schema, value, path);
    default:
      return []; // no type: anything goes
  }
}

function checkNumber(schema: Schema, value: unknown, path: string, type: string): string[] {
  if (typeof value !== "number" || (type === "integer" && !Number.isInteger(value)))
    return [`${path}: expected ${type === "integer" ? "a whole number" : "a number"}, got ${kindOf(value)}`];
  if (typeof schema.minimum === "number" && value < schema.minimum) return [`${path}: ${value} is below the minimum ${schema.minimum}`];
  if (typeof schema.maximum === "number" && value > schema.maximum) return [`${path}: ${value} is above the maximum ${schema.maximum}`];
  return [];
}

function checkArray(schema: Schema, value: unknown, path: string): string[] {
  if (!Array.isArray(value)) return [`${path}: expected an array, got ${kindOf(value)}`];
  const problems = schema.items ? value.flatMap((item, i) => check(asSchema(schema.items), item, `${path}[${i}]`)) : [];
  if (typeof schema.minItems === "number" && value.length < schema.minItems)
    problems.push(`${path}: ${value.length} items, fewer than minItems ${schema.minItems}`);
  if (typeof schema.maxItems === "number" && value.length > schema.maxItems)
    problems.push(`${path}: ${value.length} items, more than maxItems ${schema.maxItems}`);
  return problems;
}

function checkObject(schema: Schema, value: unknown, path: string): string[] {
  if (!value || typeof value !== "object" || Array.isArray(value)) return [`${path}: expected an object, got ${kindOf(value)}`];
  const record = value as Record<string, unknown>;
  const properties = asSchema(schema.properties);
  const required = Array.isArray(schema.required) ? schema.required.filter((k): k is string => typeof k === "string") : [];
  const problems = required.filter((key) => !Object.hasOwn(record, key)).map((key) => `${path}.${key}: required, but missing`);
  for (const [key, child] of Object.entries(properties)) {
    if (Object.hasOwn(record, key)) problems.push(...check(asSchema(child), record[key], `${path}.${key}`));
  }
  if (schema.additionalProperties === false) {
    for (const key of Object.keys(record))
      if (!Object.hasOwn(properties, key)) problems.push(`${path}.${key}: not a property the schema allows`);
  }
  return problems;
}

/** Type names in either case (Gemini writes OBJECT), one or a list (JSON Schema's ["string", "null"]). */
function typesOf(schema: Schema): string[] {
  const raw = Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type];
  return raw.filter((t): t is string => typeof t === "string").map((t) => t.toLowerCase());
}

function asSchema(value: unknown): Schema {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Schema) : {};
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${JSON.stringify(value)}`.slice(0, 80);
}
