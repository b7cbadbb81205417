// The Gemini API provider (@google/generative-ai) held to the same contract as the other providers.
import { DEFAULT_MODEL_TABLE } from "../../../shared/providers/model-table";
import { createGeminiProvider } from "../../../shared/providers/gemini/gemini-provider";
import { describeProviderContract } from "./provider-contract";

describeProviderContract("gemini", {
  protocol: "gemini",
  route: DEFAULT_MODEL_TABLE.GEMINI_FLASH!,
  make: (url, timeoutMs = 5_000) => createGeminiProvider({ apiKey: "gemini-test-key-123456", baseUrl: url, timeoutMs }),
});
