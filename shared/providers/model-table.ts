// The one table from a config's model_key to a provider and model name; users extend or override it. Its route schema
// and built-in keys are the providers' own (registry.ts).
import { z } from "zod";
import { tableIssueLines } from "../config/config-issue";
import type { RouteZod } from "./provider-definition";
import { PROVIDER_DEFINITIONS, PROVIDERS, type ProviderName } from "./registry";

const model = z.string().min(1, "model must name the provider's model, e.g. gemini-2.5-flash");
/** What a definition builds its route schema with (provider-definition.ts, RouteZod). */
const ROUTE_ZOD: RouteZod = {
  strictObject: z.strictObject,
  literal: z.literal,
  string: z.string,
  url: z.url,
  number: z.number,
  boolean: z.boolean,
  enum: z.enum,
};

/** Each provider's route schema, in registry order: what the discriminated union is made of. */
type RouteSchemas<T extends readonly unknown[]> = {
  -readonly [K in keyof T]: T[K] extends { routeSchema: (...args: never[]) => infer R } ? R : never;
};

export const ModelRouteSchema = z.discriminatedUnion(
  "provider",
  PROVIDER_DEFINITIONS.map((definition) => definition.routeSchema(ROUTE_ZOD, model)) as RouteSchemas<typeof PROVIDER_DEFINITIONS>,
  {
    error: (issue) => {
      if (issue.code !== "invalid_union") return undefined;
      const given = (issue.input as { provider?: unknown } | undefined)?.provider;
      const what = given === undefined ? "provider is required" : `unknown provider ${JSON.stringify(given)}`;
      return `${what}; known: ${PROVIDERS.join(", ")}`;
    },
  },
);
export type ModelRoute = z.infer<typeof ModelRouteSchema>;
export type RouteOf<P extends ProviderName> = Extract<ModelRoute, { provider: P }>;

const ModelKeySchema = z.string().regex(/^[A-Z][A-Z0-9_]*$/, "model keys are UPPER_SNAKE_CASE");
/** An override before its entries are read: each is a route, or a string naming a model (see buildModelTable). */
export const ModelTableOverrideSchema = z.record(
  ModelKeySchema,
  z.union([z.string().min(1), z.record(z.string(), z.unknown())], "expected a model name or a {provider, model, ...} object"),
);

export type ModelTable = Readonly<Record<string, ModelRoute>>;

/** Every provider's built-in keys, in registry order; each a route of its provider and model, parsed as any entry is. */
export const DEFAULT_MODEL_TABLE: ModelTable = Object.fromEntries(
  PROVIDER_DEFINITIONS.flatMap((definition) =>
    Object.entries(definition.modelKeys).map(([key, name]) => [key, ModelRouteSchema.parse({ provider: definition.name, model: name })]),
  ),
);

/** The environment variable holding an override: inline JSON, e.g. {"GEMINI_FLASH":"gemini-3.5-flash"}. */
export const MODEL_TABLE_ENV = "LLM_MODEL_TABLE";

/**
 * Merges an override (JSON text) over the defaults; throws a message naming every bad entry. A string entry is
 * the old form: it changes the model of a key that exists (keeping its provider, location or server) and makes a
 * new key a Gemini API model, as before providers existed.
 */
export function buildModelTable(overrideJson: string | undefined, base: ModelTable = DEFAULT_MODEL_TABLE): ModelTable {
  if (!overrideJson?.trim()) return base;
  let raw: unknown;
  try {
    raw = JSON.parse(overrideJson);
  } catch (err) {
    throw new Error(`${MODEL_TABLE_ENV} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = ModelTableOverrideSchema.safeParse(raw);
  if (!parsed.success) throw invalidTable(tableIssueLines(parsed.error.issues));
  const table: Record<string, ModelRoute> = { ...base };
  const problems: string[] = [];
  for (const [key, entry] of Object.entries(parsed.data)) {
    if (typeof entry === "string") {
      const known = base[key];
      table[key] = known ? { ...known, model: entry } : { provider: "gemini", model: entry };
      continue;
    }
    const route = ModelRouteSchema.safeParse(entry);
    if (route.success) table[key] = route.data;
    else problems.push(...tableIssueLines(route.error.issues, key));
  }
  if (problems.length) throw invalidTable(problems);
  return table;
}

function invalidTable(lines: string[]): Error {
  return new Error(`${MODEL_TABLE_ENV} is invalid:\n${lines.join("\n")}`);
}
