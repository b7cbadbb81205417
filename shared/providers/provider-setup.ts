// What every provider's setup (shared/providers/<name>/setup.ts) shares: its context, its result, and reading keys
// from the environment. A setup builds its provider from the environment: its key, the offline stand-in, or (deployed,
// with no key) an unavailable provider whose steps fail with config_error while the others run. Gemini's alone stops
// the runtime when its key is missing.
import type { BatchProvider } from "../models/batch-provider";
import type { ModelProvider, ModelRouteBase } from "../models/model-provider";

/** Placeholder secret value (what our tooling writes for the emulator): it means "no key". */
export const STANDIN_API_KEY = "offline-standin";
/**
 * Values that mean "no key": the placeholder, and `none` for a deployment that declares a secret it does not use
 * (Cloud Functions will not deploy a function whose declared secret does not exist, so one is set to `none`).
 */
const NO_KEY = new Set([STANDIN_API_KEY, "none"]);

export interface SetupContext {
  env: NodeJS.ProcessEnv;
  /** Running as a deployed function (not the emulator): no stand-in, errors name the secret and the command. */
  deployed: boolean;
  /** The shared stand-in's URL, started on first need; absent when this driver may not start one (the functions). */
  standinUrl?: () => Promise<string>;
  timeoutMs?: number;
}

export interface ProviderSetup {
  provider: ModelProvider;
  /** Lines for the start-up banner: where its calls go. */
  banner: string[];
  /** Its batch API for a model table entry (provider batch mode's collector), when it has one; throws without a key. */
  batch?: (route: ModelRouteBase) => BatchProvider;
}

/** A provider's runtime binding: its folder's setup.ts exports one as `setup`, and createRuntime calls it by name. */
export type ProviderSetupFn = (ctx: SetupContext, table: Readonly<Record<string, ModelRouteBase>>) => Promise<ProviderSetup>;

/** A positive number from an environment value, else undefined (unset, blank, zero, negative or not a number). */
export function positiveNumber(value: string | undefined): number | undefined {
  const n = Number(value);
  return value && Number.isFinite(n) && n > 0 ? n : undefined;
}

/** A secret's value, with our placeholder and blanks read as unset. */
export function secretFrom(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value && !NO_KEY.has(value.toLowerCase()) ? value : undefined;
}

/** What to do about a missing key: deployed, set the secret and deploy; locally, use the tooling that starts the stand-in. */
export function missingKeyMessage(secret: string, what: string, baseUrlVar: string, deployed: boolean): string {
  if (deployed) {
    return `${secret} is not set, so ${what} cannot be called (deployed functions never fall back to the offline stand-in): set the secret with \`firebase functions:secrets:set ${secret}\`, then deploy again (\`firebase deploy --only functions\`)`;
  }
  return `${secret} is not set and no ${baseUrlVar} names a stand-in, so ${what} cannot be called: run the functions in the Firebase emulators (\`firebase emulators:start\`, or \`npm start\`), which start the stand-in themselves, or set ${secret}`;
}
