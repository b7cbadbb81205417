// A provider this deployment cannot call (its key is missing): every call fails at once with config_error, saying
// how to fix it, while the other providers keep working.
import { ModelCallError } from "./model-call-error";
import type { ModelProvider } from "./model-provider";

export function createUnavailableProvider(name: string, message: string): ModelProvider {
  return {
    name,
    // A config error is never retried: no attempt can succeed until someone sets the key.
    generate: () => Promise.reject(new ModelCallError(message, "config")),
  };
}
