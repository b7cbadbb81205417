// The Gemini provider from the environment: GEMINI_API_KEY, else the offline stand-in where this driver may start one.
// Alone among the providers, a missing key stops the runtime (deployed, the error names the secret and the command).
import { positiveNumber, secretFrom, STANDIN_API_KEY, type ProviderSetupFn } from "../provider-setup";
import { gemini } from "./definition";
import type { BatchProvider } from "../../models/batch-provider";
import { createGeminiBatchProvider } from "./gemini-batch";
import { createGeminiProvider } from "./gemini-provider";

const [SECRET] = gemini.secrets;

export const setup: ProviderSetupFn = async (ctx) => {
  const { env } = ctx;
  const banner: string[] = [];
  let apiKey = secretFrom(env, SECRET);
  let baseUrl = env[gemini.baseUrlEnv]?.trim() || undefined;
  if (!apiKey) {
    if (!baseUrl) {
      if (!ctx.standinUrl) throw new Error(missingKeyMessage(ctx.deployed));
      baseUrl = await ctx.standinUrl();
    }
    apiKey = STANDIN_API_KEY;
    banner.push(`No ${SECRET} set: model calls go to the offline Gemini stand-in at ${baseUrl} (its answers echo the prompt).`);
  } else if (baseUrl) {
    banner.push(`Gemini base URL overridden: ${baseUrl}`);
  }
  // Gemini's own timeout (GEMINI_TIMEOUT_MS), else every provider's (MODEL_TIMEOUT_MS).
  const timeoutMs = positiveNumber(env.GEMINI_TIMEOUT_MS) ?? ctx.timeoutMs;
  const options = { apiKey, ...(baseUrl ? { baseUrl } : {}), ...(timeoutMs ? { timeoutMs } : {}) };
  let batch: BatchProvider | undefined;
  return { provider: createGeminiProvider(options), banner, batch: () => (batch ??= createGeminiBatchProvider(options)) };
};

/** Deployed (a Cloud Run service, not the emulator) the fix is the secret; locally, the tooling that starts the stand-in. */
function missingKeyMessage(deployed: boolean): string {
  if (deployed) {
    return `${SECRET} is not set, and deployed functions never fall back to the offline stand-in: set the secret with \`firebase functions:secrets:set ${SECRET}\`, then deploy again (\`firebase deploy --only functions\`)`;
  }
  return `${SECRET} is not set and no ${gemini.baseUrlEnv} names a Gemini stand-in: run the functions in the Firebase emulators (\`firebase emulators:start\`, or \`npm start\`), which start the stand-in themselves, or set ${SECRET}`;
}
