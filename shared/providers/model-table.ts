// The one table from a config's model_key to a provider and model name; users extend or override it.
import { z } from "zod";

/** Every provider a model table entry may name; an entry naming another is refused with this list. */
export const PROVIDERS = ["gemini", "vertex", "anthropic", "openai"] as const;
export type ProviderName = (typeof PROVIDERS)[number];

const model = z.string().min(1, "model must name the provider's model, e.g. gemini-2.5-flash");

export const ModelRouteSchema = z.discriminatedUnion(
  "provider",
  [
    /** The Gemini API (generativelanguage.googleapis.com) through @google/generative-ai, keyed by GEMINI_API_KEY. */
    z.strictObject({ provider: z.literal("gemini"), model }),
    /** Gemini on Vertex AI through @google/genai, authenticated by Application Default Credentials. */
    z.strictObject({
      provider: z.literal("vertex"),
      model,
      /** A Vertex AI location such as `global` or `europe-west4`; default VERTEX_LOCATION, else `global`. */
      location: z
        .string()
        .regex(/^[a-z][a-z0-9-]*$/, "a Vertex AI location such as global or us-central1")
        .optional(),
    }),
    /** Anthropic's Messages API through @anthropic-ai/sdk, keyed by ANTHROPIC_API_KEY. */
    z.strictObject({ provider: z.literal("anthropic"), model }),
    /** Any server speaking OpenAI's Chat Completions (Ollama, vLLM, llama.cpp, LM Studio, OpenRouter) through `openai`. */
    z.strictObject({
      provider: z.literal("openai"),
      model,
      base_url: z.url({ protocol: /^https?$/, error: "base_url must be an http(s) URL such as http://127.0.0.1:11434/v1" }),
      /** The environment variable holding this server's key; default OPENAI_API_KEY. */
      api_key_env: z
        .string()
        .regex(/^[A-Z_][A-Z0-9_]*$/, "api_key_env names an environment variable, e.g. OPENROUTER_API_KEY")
        .optional(),
    }),
  ],
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

const gemini = (name: string): ModelRoute => ({ provider: "gemini", model: name });
const vertex = (name: string): ModelRoute => ({ provider: "vertex", model: name });
const claude = (name: string): ModelRoute => ({ provider: "anthropic", model: name });

/**
 * Defaults. The original's GEMINI_FLASH meant Gemini 2.0 Flash, which Google retired; it now means the
 * stable 2.5 Flash. Pinned names, not "-latest" aliases, so that a research run is reproducible. The Claude ids
 * are those of @anthropic-ai/sdk's own model list (its `Model` type) when this table was written.
 */
export const DEFAULT_MODEL_TABLE: ModelTable = {
  GEMINI_FLASH: gemini("gemini-2.5-flash"),
  GEMINI_FLASH_LITE: gemini("gemini-2.5-flash-lite"),
  GEMINI_PRO: gemini("gemini-2.5-pro"),
  GEMINI_2_5_FLASH: gemini("gemini-2.5-flash"),
  GEMINI_2_5_FLASH_LITE: gemini("gemini-2.5-flash-lite"),
  GEMINI_2_5_PRO: gemini("gemini-2.5-pro"),
  GEMINI_3_5_FLASH: gemini("gemini-3.5-flash"),
  GEMINI_3_5_FLASH_LITE: gemini("gemini-3.5-flash-lite"),
  GEMINI_3_1_PRO: gemini("gemini-3.1-pro-preview"),
  GEMINI_FLASH_LATEST: gemini("gemini-flash-latest"),
  VERTEX_GEMINI_FLASH: vertex("gemini-2.5-flash"),
  VERTEX_GEMINI_FLASH_LITE: vertex("gemini-2.5-flash-lite"),
  VERTEX_GEMINI_PRO: vertex("gemini-2.5-pro"),
  VERTEX_GEMINI_3_5_FLASH: vertex("gemini-3.5-flash"),
  VERTEX_GEMINI_3_1_PRO: vertex("gemini-3.1-pro-preview"),
  CLAUDE_HAIKU: claude("claude-haiku-5-5"),
  CLAUDE_SONNET: claude("claude-sonnet-5-5"),
  CLAUDE_OPUS: claude("claude-opus-5-5"),
};

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
      table[key] = known ? { ...known, model: entry } : gemini(entry);
      continue;
    }
    const route = ModelRouteSchema.safeParse(entry);
    if (route.success) table[key] = route.data;
    else problems.push(...tableIssueLines(route.error.issues, key));
  }
  if (problems.length) throw invalidTable(problems);
  return table;
}

/** `KEY.field: message` lines; a bad key says what is wrong with it, and an unknown field is named as such. */
export function tableIssueLines(issues: readonly z.core.$ZodIssue[], prefix?: string): string[] {
  return issues.flatMap((issue) => {
    const at = [...(prefix ? [prefix] : []), ...issue.path.map(String)];
    if (issue.code === "unrecognized_keys") return issue.keys.map((k) => `${[...at, k].join(".")}: unknown field (check its spelling)`);
    const message = issue.code === "invalid_key" ? (issue.issues[0]?.message ?? issue.message) : issue.message;
    return [`${at.join(".") || "(table)"}: ${message}`];
  });
}

function invalidTable(lines: string[]): Error {
  return new Error(`${MODEL_TABLE_ENV} is invalid:\n${lines.join("\n")}`);
}
