// What every provider adapter promises, checked against the stand-in through the vendor's real SDK: the answer, its
// usage and finish reason, and one ModelCallError classification per fault the stand-in injects.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GenerationConfig } from "../../../shared/config/generation-config";
import { ModelCallError, type ModelFailureKind } from "../../../shared/models/model-call-error";
import type { ModelProvider, ModelRequest } from "../../../shared/models/model-provider";
import type { ModelRoute } from "../../../shared/providers/model-table";
import { STANDIN_FAULTS, startStandin, type Standin, type StandinFault } from "../../../local/standin/standin-server";

export interface ProviderCase {
  /** The protocol the stand-in should see. */
  protocol: "gemini" | "vertex" | "anthropic" | "openai";
  route: ModelRoute;
  /** The provider under test, calling the stand-in; `timeoutMs` for the timeout test. */
  make: (standinUrl: string, timeoutMs?: number) => ModelProvider;
}

/** How each injected fault must come out: its kind, whether withRetry may try again, and the HTTP status. */
export const FAULT_OUTCOMES: Record<
  Exclude<StandinFault, "max_tokens">,
  { kind: ModelFailureKind; retryable: boolean; status?: number }
> = {
  "400": { kind: "http", retryable: false, status: 400 },
  "403": { kind: "http", retryable: false, status: 403 },
  "404": { kind: "http", retryable: false, status: 404 },
  "429": { kind: "http", retryable: true, status: 429 },
  "500": { kind: "http", retryable: true, status: 500 },
  "503": { kind: "http", retryable: true, status: 503 },
  "504": { kind: "http", retryable: true, status: 504 },
  "529": { kind: "http", retryable: true, status: 529 },
  malformed: { kind: "malformed", retryable: true },
  safety: { kind: "blocked", retryable: false },
  blocked: { kind: "blocked", retryable: false },
  empty: { kind: "empty", retryable: false },
  reset: { kind: "network", retryable: true },
};

export function request(route: ModelRoute, userPrompt: string, generationConfig: GenerationConfig = {}, systemPrompt = ""): ModelRequest {
  return { model: route.model, route, systemPrompt, userPrompt, generationConfig };
}

/** Runs the contract for one provider; returns the stand-in for the provider's own tests. */
export function describeProviderContract(name: string, providerCase: ProviderCase): () => { standin: Standin; provider: ModelProvider } {
  let standin: Standin;
  let provider: ModelProvider;
  beforeAll(async () => {
    standin = await startStandin();
    provider = providerCase.make(standin.url);
  });
  afterAll(() => standin.close());

  describe(`${name}: the provider contract against the stand-in, through the real SDK`, () => {
    it("answers with the stand-in's echo, its usage (four characters a token) and finish reason STOP", async () => {
      standin.reset();
      const result = await provider.generate(request(providerCase.route, "Tell me a joke!", {}, "Be brief."));
      expect(result.text).toBe(`[stand-in ${providerCase.route.model}] Tell me a joke!`);
      expect(result.finishReason).toBe("STOP");
      // "Be brief." is 3 tokens and "Tell me a joke!" 4; the answer is ceil(length / 4).
      expect(result.usage.prompt_tokens).toBe(7);
      expect(result.usage.output_tokens).toBeGreaterThanOrEqual(Math.ceil(result.text.length / 4));
      expect(result.usage.total_tokens).toBe(result.usage.prompt_tokens + result.usage.output_tokens);
      const [sent] = standin.requests();
      expect(sent).toMatchObject({
        protocol: providerCase.protocol,
        model: providerCase.route.model,
        systemPrompt: "Be brief.",
        userPrompt: "Tell me a joke!",
      });
    });

    it("reports an answer cut at the output limit as MAX_TOKENS, with its partial text", async () => {
      standin.configure({ script: ["max_tokens"] });
      const result = await provider.generate(request(providerCase.route, "a long answer please"));
      expect(result.finishReason).toBe("MAX_TOKENS");
      expect(`[stand-in ${providerCase.route.model}] a long answer please`.startsWith(result.text)).toBe(true);
    });

    for (const fault of STANDIN_FAULTS.filter((f): f is Exclude<StandinFault, "max_tokens"> => f !== "max_tokens")) {
      const expected = FAULT_OUTCOMES[fault];
      it(`maps the injected fault "${fault}" to a ${expected.retryable ? "retryable" : "final"} ${expected.kind} error`, async () => {
        standin.configure({ script: [fault], retryDelayMs: 1500 });
        const error = await provider.generate(request(providerCase.route, `fault ${fault}`)).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(error).toBeInstanceOf(ModelCallError);
        const e = error as ModelCallError;
        expect({ kind: e.kind, retryable: e.isRetryable, status: e.status }).toEqual({
          kind: expected.kind,
          retryable: expected.retryable,
          status: expected.status,
        });
        if (fault === "429") expect(e.retryAfterMs).toBe(1500);
        // A refused or empty answer was still billed: its prompt tokens travel with the error.
        if (expected.kind === "blocked" || expected.kind === "empty") expect(e.usage?.prompt_tokens).toBeGreaterThan(0);
        expect(e.message).toContain(providerCase.route.model);
      });
    }

    it("gives up on its own timeout with a retryable timeout error", async () => {
      standin.configure({ latencyMs: 400 });
      try {
        const impatient = providerCase.make(standin.url, 50);
        const error = await impatient.generate(request(providerCase.route, "slow")).catch((err: unknown) => err);
        expect(error).toMatchObject({ kind: "timeout", isRetryable: true });
      } finally {
        standin.configure({ latencyMs: 0 });
      }
    });

    it("stops at once when the caller's signal aborts", async () => {
      const controller = new AbortController();
      controller.abort(new Error("deadline"));
      const error = await provider
        .generate({ ...request(providerCase.route, "never"), signal: controller.signal })
        .catch((err: unknown) => err);
      expect(error).toMatchObject({ kind: "timeout" });
      expect((error as Error).message).toMatch(/aborted by the caller \(deadline\)/);
    });
  });

  return () => ({ standin, provider });
}
