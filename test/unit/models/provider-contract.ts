// What every provider adapter promises, checked against the stand-in through the vendor's real SDK: the answer, its
// usage and finish reason, and one ModelCallError classification per fault the stand-in injects.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GenerationConfig } from "../../../shared/config/generation-config";
import { ModelCallError, type ModelFailureKind } from "../../../shared/models/model-call-error";
import type { ModelProvider, ModelRequest } from "../../../shared/models/model-provider";
import type { ModelRoute } from "../../../shared/providers/model-table";
import { costOf, type ModelPrice } from "../../../shared/models/price-table";
import { DEFAULT_RETRY, withRetry } from "../../../shared/models/retry";
import { usageAddsUp } from "../../../shared/models/token-usage";
import { toRunError } from "../../../shared/engine/run-error";
import { STANDIN_FAULTS, startStandin, type Standin, type StandinFault } from "../../../local/standin/standin-server";

export interface ProviderCase {
  /** The protocol the stand-in should see. */
  protocol: "gemini" | "vertex" | "anthropic" | "openai";
  route: ModelRoute;
  /** The provider under test, calling the stand-in; `timeoutMs` for the timeout test. */
  make: (standinUrl: string, timeoutMs?: number) => ModelProvider;
}

type FaultOutcome = { kind: ModelFailureKind; retryable: boolean; status?: number };

/**
 * The vendor's out-of-credits answer: OpenAI's 429 insufficient_quota and Claude's 400 "credit balance is too low"
 * fail for good; Gemini documents none, so its stand-in answers a spent quota's 429, retried like any 429.
 */
const INSUFFICIENT_QUOTA: Record<ProviderCase["protocol"], FaultOutcome> = {
  gemini: { kind: "http", retryable: true, status: 429 },
  vertex: { kind: "http", retryable: true, status: 429 },
  anthropic: { kind: "out_of_credits", retryable: false, status: 400 },
  openai: { kind: "out_of_credits", retryable: false, status: 429 },
};

/** A generation config that asks each vendor to think, in the step's (Gemini-named) fields. */
const THINKING_CONFIG: Record<ProviderCase["protocol"], GenerationConfig> = {
  gemini: { thinkingBudget: 1024 },
  vertex: { thinkingLevel: "low" },
  anthropic: { thinkingBudget: 1024, maxOutputTokens: 4096 },
  openai: { thinkingLevel: "low" },
};

/** How each injected fault must come out: its kind, whether withRetry may try again, and the HTTP status. */
export const FAULT_OUTCOMES: Record<
  Exclude<StandinFault, "max_tokens" | "insufficient_quota">,
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
      const expected = fault === "insufficient_quota" ? INSUFFICIENT_QUOTA[providerCase.protocol] : FAULT_OUTCOMES[fault];
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

    it("records thinking tokens when the request asks for thinking, inside the output, and prices them at the thinking rate", async () => {
      standin.reset();
      const result = await provider.generate(request(providerCase.route, "think first", THINKING_CONFIG[providerCase.protocol]));
      expect(result.usage.thinking_tokens).toBeGreaterThan(0);
      expect(usageAddsUp(result.usage)).toBe(true);
      const { prompt_tokens, output_tokens, thinking_tokens = 0 } = result.usage;
      const price: ModelPrice = { input_per_million: 1, output_per_million: 10, thinking_per_million: 20, read_on: "2026-01-01" };
      expect(costOf(result.usage, price)).toBeCloseTo(
        (prompt_tokens + (output_tokens - thinking_tokens) * 10 + thinking_tokens * 20) / 1e6,
        12,
      );
      // Without a thinking price, thinking is billed as output.
      expect(costOf(result.usage, { ...price, thinking_per_million: undefined })).toBeCloseTo(
        (prompt_tokens + output_tokens * 10) / 1e6,
        12,
      );
    });

    it("records cached prompt tokens the stand-in reports (cachedTokens knob) and prices them at the cached rate", async () => {
      standin.reset();
      standin.configure({ cachedTokens: 5 });
      try {
        const result = await provider.generate(request(providerCase.route, "a prompt long enough to have five cached tokens"));
        expect(result.usage.cached_tokens).toBe(5);
        expect(result.usage.thinking_tokens).toBeUndefined();
        expect(usageAddsUp(result.usage)).toBe(true);
        const { prompt_tokens, output_tokens } = result.usage;
        const price: ModelPrice = { input_per_million: 1, output_per_million: 10, cached_input_per_million: 0.1, read_on: "2026-01-01" };
        expect(costOf(result.usage, price)).toBeCloseTo(((prompt_tokens - 5) * 1 + 5 * 0.1 + output_tokens * 10) / 1e6, 12);
      } finally {
        standin.configure({ cachedTokens: 0 });
      }
    });

    it("on the vendor's out-of-credits answer, makes one request under withRetry, or retries it only where it is a plain 429", async () => {
      standin.reset();
      standin.configure({ script: ["insufficient_quota", "ok"], retryDelayMs: 10 });
      const noWait = { sleep: () => Promise.resolve(), random: () => 0, now: Date.now };
      const outcome = await withRetry(() => provider.generate(request(providerCase.route, "no credits")), DEFAULT_RETRY, noWait).catch(
        (err: unknown) => err,
      );
      if (INSUFFICIENT_QUOTA[providerCase.protocol].retryable) {
        expect(standin.stats().requests).toBe(2);
        return;
      }
      expect(standin.stats().requests).toBe(1);
      expect(outcome).toMatchObject({ kind: "out_of_credits", isRetryable: false });
      expect((outcome as Error).message).toMatch(/out of credits.*add credits/);
      const runError = toRunError(outcome, { step_id: "s1", attempts: 1 });
      expect(runError).toMatchObject({ code: "quota_exhausted", retryable: false, step_id: "s1" });
    });

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
