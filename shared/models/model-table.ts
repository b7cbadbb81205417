// The one table from a config's model_key to a provider and model name; users extend or override it.
import { z } from "zod";

export const ModelRouteSchema = z.strictObject({
  provider: z.literal("gemini"),
  model: z.string().min(1),
});
export type ModelRoute = z.infer<typeof ModelRouteSchema>;

/** In an override a plain string is shorthand for a Gemini model name. */
export const ModelTableOverrideSchema = z.record(
  z.string().regex(/^[A-Z][A-Z0-9_]*$/, "model keys are UPPER_SNAKE_CASE"),
  z.union([z.string().min(1).transform((model): ModelRoute => ({ provider: "gemini", model })), ModelRouteSchema]),
);

export type ModelTable = Readonly<Record<string, ModelRoute>>;

const gemini = (model: string): ModelRoute => ({ provider: "gemini", model });

/**
 * Defaults. The original's GEMINI_FLASH meant Gemini 2.0 Flash, which Google retired; it now means the
 * stable 2.5 Flash. Pinned names, not "-latest" aliases, so that a research run is reproducible.
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
};

/** The environment variable holding an override: inline JSON, e.g. {"GEMINI_FLASH":"gemini-3.5-flash"}. */
export const MODEL_TABLE_ENV = "LLM_MODEL_TABLE";

/** Merges an override (JSON text) over the defaults; throws a message naming the bad entry. */
export function buildModelTable(overrideJson: string | undefined, base: ModelTable = DEFAULT_MODEL_TABLE): ModelTable {
  if (!overrideJson?.trim()) return base;
  let raw: unknown;
  try {
    raw = JSON.parse(overrideJson);
  } catch (err) {
    throw new Error(`${MODEL_TABLE_ENV} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = ModelTableOverrideSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join(".") || "(table)"}: ${i.message}`);
    throw new Error(`${MODEL_TABLE_ENV} is invalid:\n${lines.join("\n")}`);
  }
  return { ...base, ...parsed.data };
}
