// Every provider of the registry is one folder: a definition named as its folder, the setup.ts the runtime loads by that
// name, the standin.ts the stand-in loads by it; and what the other parts derive from its definition holds.
import { describe, expect, it } from "vitest";
import type { ModelRouteBase } from "../../../shared/models/model-provider";
import { DEFAULT_PRICE_TABLE } from "../../../shared/providers/default-prices";
import { DEFAULT_MODEL_TABLE } from "../../../shared/providers/model-table";
import type { ProviderSetupFn } from "../../../shared/providers/provider-setup";
import { PROVIDER_DEFINITIONS, PROVIDER_SECRETS, PROVIDERS } from "../../../shared/providers/registry";
import type { StandinProtocol } from "../../../local/standin/standin-protocol";

describe.each(PROVIDER_DEFINITIONS.map((definition) => [definition.name, definition] as const))("provider %s", (name, definition) => {
  it("has a setup.ts exporting its runtime binding, which builds a provider of its name", async () => {
    const { setup } = (await import(`../../../shared/providers/${name}/setup.ts`)) as { setup?: ProviderSetupFn };
    expect(typeof setup).toBe("function");
    const table: Record<string, ModelRouteBase> = {};
    const made = await setup!({ env: {}, deployed: false, standinUrl: () => Promise.resolve("http://127.0.0.1:9") }, table);
    expect(made.provider.name).toBe(name);
  });

  it("has a standin.ts exporting its protocol, which answers its own path and no other", async () => {
    const { protocol } = (await import(`../../../shared/providers/${name}/standin.ts`)) as { protocol?: StandinProtocol };
    expect(protocol?.name).toBe(name);
    expect(protocol!.match("POST", "/no/such/path")).toBeUndefined();
    const others = PROVIDER_DEFINITIONS.filter((other) => other.name !== name);
    for (const other of others) {
      const { protocol: theirs } = (await import(`../../../shared/providers/${other.name}/standin.ts`)) as { protocol: StandinProtocol };
      expect(protocol!.match("POST", theirs.path.replace(/\{[a-z]+\}/g, "x")), `${name} on ${other.name}'s path`).toBeUndefined();
    }
  });

  it("puts its built-in keys in the model table as its own routes, each model priced", () => {
    for (const [key, model] of Object.entries(definition.modelKeys)) {
      expect(DEFAULT_MODEL_TABLE[key]).toEqual({ provider: name, model });
      expect(DEFAULT_PRICE_TABLE[model], `${key} (${model})`).toBeDefined();
    }
  });

  it("has its secrets declared by the deployed functions, and a base URL variable of its own", () => {
    for (const secret of definition.secrets) expect(PROVIDER_SECRETS).toContain(secret);
    const baseUrls = PROVIDER_DEFINITIONS.map((each) => each.baseUrlEnv);
    expect(baseUrls.filter((each) => each === definition.baseUrlEnv)).toHaveLength(1);
  });
});

it("lists each provider once, in the order messages name them", () => {
  expect(new Set(PROVIDERS).size).toBe(PROVIDERS.length);
  expect(PROVIDER_SECRETS).toEqual(["GEMINI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_API_KEY"]);
});
