// The providers: one line each. Everything else that knows providers reads this list (see provider-definition.ts).
import { anthropic } from "./anthropic/definition";
import { gemini } from "./gemini/definition";
import { openai } from "./openai/definition";
import { vertex } from "./vertex/definition";

/** Every provider, in the order messages list them. Adding one: its folder, its tests, and its name here. */
export const PROVIDER_DEFINITIONS = [gemini, vertex, anthropic, openai] as const;

export type ProviderDefinitionEntry = (typeof PROVIDER_DEFINITIONS)[number];
export type ProviderName = ProviderDefinitionEntry["name"];
export type DefinitionOf<P extends ProviderName> = Extract<ProviderDefinitionEntry, { name: P }>;

/** Every provider a model table entry may name; an entry naming another is refused with this list. */
export const PROVIDERS: readonly ProviderName[] = PROVIDER_DEFINITIONS.map((definition) => definition.name);

/** The secrets the providers read, each once, in registry order: the deployed functions declare them. */
export const PROVIDER_SECRETS: readonly string[] = [...new Set(PROVIDER_DEFINITIONS.flatMap((definition) => definition.secrets))];

export function providerDefinition<P extends ProviderName>(name: P): DefinitionOf<P> {
  return PROVIDER_DEFINITIONS.find((definition) => definition.name === name) as DefinitionOf<P>;
}

/**
 * Providers whose batch API provider batch mode uses (docs/provider-batch.md): each has its adapter in its folder
 * (`<name>-batch.ts`). Vertex AI's batch prediction reads and writes Cloud Storage, which this deployment does not manage.
 */
export const BATCH_API_PROVIDERS: readonly ProviderName[] = ["gemini", "anthropic", "openai"];
