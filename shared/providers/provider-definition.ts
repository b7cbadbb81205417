// What a provider is: one definition per folder (shared/providers/<name>/definition.ts), listed once in registry.ts.
// Validation (route schemas, parameter checks), the model and price tables, the runtime's setup, the deployed
// functions' secrets, the local stack and the stand-in all read the definitions; none of them names a provider itself.
//
// A definition is data and small pure functions, and loads neither zod nor an SDK: the deployed functions read every
// definition's secrets as they load (functions/src/index.ts), and the results page reads them to validate configs. So
// its route schema is built from the zod it is handed (model-table.ts hands it), and what runs calls lives beside it:
// `setup.ts` (the runtime's binding, loaded by name by createRuntime) and `standin.ts` (its protocol in the offline
// stand-in, loaded by name by the stand-in; local code, never in the deployed bundle).
import type { z } from "zod";
import type { ConfigIssue } from "../config/config-issue";
import type { GenerationConfig } from "../config/generation-config";
import type { ModelPrice } from "../models/price-table";

export type GenerationField = keyof GenerationConfig;

/** Which step parameters a provider takes, and the values it accepts (provider-parameters.ts checks them). */
export interface ProviderParameters {
  /** The generation config fields its request carries: its adapter maps these and nothing else. */
  readonly supported: readonly GenerationField[];
  /** The thinking_level names it knows (when it supports thinkingLevel). */
  readonly thinkingLevels: readonly string[];
  /** Why a field it does not take is refused, where there is more to say than that it is not supported. */
  readonly refusedBecause?: Readonly<Partial<Record<GenerationField, string>>>;
  /** Its own checks beyond the table (Claude's JSON and thinking-budget rules), each at `at(field)`, in its `label`'s words. */
  readonly issues?: (config: GenerationConfig, at: (field: GenerationField) => string, label: string) => ConfigIssue[];
}

/**
 * The zod a route schema is built with: the schema builders a route's fields need, handed over by model-table.ts
 * (ROUTE_ZOD). Only these, not zod's whole namespace, so that the page's bundle keeps only what it uses.
 */
export type RouteZod = Pick<typeof z, "strictObject" | "literal" | "string" | "url" | "number" | "boolean" | "enum">;

/** The shape every route schema has: `provider` (the definition's name) and `model`, plus the provider's own fields. */
export type RouteSchema = z.ZodObject<{ provider: z.ZodLiteral<string>; model: z.ZodString } & z.ZodRawShape>;

export interface ProviderDefinition {
  /** The model table's `provider` value, and the name of the provider's folder. */
  readonly name: string;
  /** How messages name it: `anthropic (Claude)`. */
  readonly label: string;
  /**
   * Its model table entries: a z.strictObject of `provider: zod.literal(name)`, `model` (as given) and its own fields.
   * Built from the zod it is handed, so that reading a definition loads no zod.
   */
  readonly routeSchema: (zod: RouteZod, model: z.ZodString) => RouteSchema;
  readonly parameters: ProviderParameters;
  /**
   * The secrets it reads: the deployed functions declare each (firebase functions:secrets:set NAME), the local stack
   * writes a placeholder for each one the shell lacks. An entry's own key variable (openai's api_key_env) is read too.
   */
  readonly secrets: readonly string[];
  /** The variable that sends its calls to another server: the local stack points it at the stand-in. */
  readonly baseUrlEnv: string;
  /** What follows the stand-in's URL in baseUrlEnv (`/v1` for OpenAI-compatible clients, which add only the rest). */
  readonly standinPath?: string;
  /** Its built-in model keys, each naming one of its models (the route `{provider: name, model}`). */
  readonly modelKeys: Readonly<Record<string, string>>;
  /** The built-in prices of its models, keyed by model name (a model priced by another provider under that name need not repeat it). */
  readonly prices: Readonly<Record<string, ModelPrice>>;
  /** Where createRuntime sets it up and prints its start-up lines, lowest first: Gemini's lead, as they always have. */
  readonly setupOrder: number;
}

/**
 * A definition, checked and kept as written in its type: its literal name, secrets and route schema are what the
 * registry derives ProviderName, the route types and the model table's schema from.
 */
export function defineProvider<const D extends ProviderDefinition>(definition: D & { routeSchema: RouteSchemaOf<D["name"]> }): D {
  return definition;
}

/** A route schema builder whose `provider` is the definition's own name. */
type RouteSchemaOf<N extends string> = (zod: RouteZod, model: z.ZodString) => z.ZodObject<{ provider: z.ZodLiteral<N> } & z.ZodRawShape>;

/** The route type of a definition: what its route schema parses. */
export type RouteOfDefinition<D extends ProviderDefinition> = z.infer<ReturnType<D["routeSchema"]>>;

/** A price read on a vendor's page (`source`) on `readOn`. */
export function listedPrice(readOn: string, input: number, output: number, source: string): ModelPrice {
  return { input_per_million: input, output_per_million: output, read_on: readOn, source };
}

/** A price no published page gave on `readOn`: assumed like another model's, and saying so. */
export function assumedPrice(readOn: string, input: number, output: number, like: string): ModelPrice {
  return listedPrice(
    readOn,
    input,
    output,
    `ASSUMED: no published price could be read on ${readOn}; priced like ${like}. Check the vendor's pricing page and override with LLM_PRICE_TABLE`,
  );
}
