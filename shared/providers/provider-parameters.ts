// Which step parameters each provider takes, and the values it accepts: checked with the config, before any call.
// The tables are the providers' own (each definition's `parameters`); this reads them alike for every provider.
import type { ConfigIssue } from "../config/config-issue";
import type { GenerationConfig } from "../config/generation-config";
import type { GenerationField, ProviderParameters } from "./provider-definition";
import { providerDefinition, type ProviderName } from "./registry";

export const snakeName = (field: GenerationField) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * Problems with a converted config for one provider, each at the parameter's path under `parameters` (named as the
 * step wrote it). Parameters the provider cannot take are errors, not silently dropped: the run would differ from
 * what the config says.
 */
export function providerParameterIssues(
  provider: ProviderName,
  config: GenerationConfig,
  names: Partial<Record<GenerationField, string>>,
): ConfigIssue[] {
  const { label } = providerDefinition(provider);
  const parameters: ProviderParameters = providerDefinition(provider).parameters;
  const issues: ConfigIssue[] = [];
  const at = (field: GenerationField) => names[field] ?? snakeName(field);
  const { supported, thinkingLevels } = parameters;
  for (const field of Object.keys(config) as GenerationField[]) {
    if (config[field] === undefined || supported.includes(field)) continue;
    const because = parameters.refusedBecause?.[field];
    issues.push({
      path: at(field),
      message: `the provider ${label} does not support parameter "${at(field)}"${because ? ` (${because})` : ""}; it supports ${supported.map(snakeName).join(", ")}`,
    });
  }
  const level = config.thinkingLevel;
  if (level !== undefined && supported.includes("thinkingLevel") && !thinkingLevels.includes(level)) {
    issues.push({
      path: at("thinkingLevel"),
      message: `the provider ${label} takes thinking_level ${thinkingLevels.join(", ")}; got "${level}"`,
    });
  }
  issues.push(...(parameters.issues?.(config, at, label) ?? []));
  return issues;
}
