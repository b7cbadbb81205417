// An answer saying the account is out of credits fails at once (non-retryable, quota_exhausted, "add credits"), built
// as the real SDKs build their errors from the vendors' documented error bodies; a rate-limit 429 stays retryable.
import { describe, expect, it } from "vitest";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { isOutOfCredits, mapSdkError, type SdkCallContext } from "../../../shared/models/map-sdk-error";
import { toRunError } from "../../../shared/engine/run-error";

const ctx = (who: string): SdkCallContext => ({
  who,
  baseUrl: "https://api.example.test",
  timeoutMs: 1000,
  keyName: "KEY",
  baseUrlName: "BASE_URL",
  timedOut: false,
  aborted: false,
});

describe("out-of-credits answers", () => {
  it("OpenAI's 429 insufficient_quota (platform.openai.com/docs/guides/error-codes) is final and says to add credits", () => {
    // The body OpenAI sends; the SDK hands the inner `error` object over as err.error.
    const body = {
      error: {
        message: "You exceeded your current quota, please check your plan and billing details.",
        type: "insufficient_quota",
        param: null,
        code: "insufficient_quota",
      },
    };
    const err = mapSdkError(OpenAI.APIError.generate(429, body, undefined, new Headers()), ctx('model "gpt-x"'));
    expect({ kind: err.kind, retryable: err.isRetryable, throttle: err.isThrottle, status: err.status }).toEqual({
      kind: "out_of_credits",
      retryable: false,
      throttle: false,
      status: 429,
    });
    expect(err.message).toMatch(/out of credits.*add credits/);
    expect(toRunError(err, { step_id: "ask", attempts: 1 })).toMatchObject({ code: "quota_exhausted", retryable: false, status: 429 });
  });

  it("OpenAI's rate-limit 429 (rate_limit_exceeded) is still a retryable throttle", () => {
    const body = { error: { message: "Rate limit reached", type: "requests", param: null, code: "rate_limit_exceeded" } };
    const err = mapSdkError(OpenAI.APIError.generate(429, body, undefined, new Headers()), ctx('model "gpt-x"'));
    expect({ kind: err.kind, retryable: err.isRetryable, throttle: err.isThrottle }).toEqual({
      kind: "http",
      retryable: true,
      throttle: true,
    });
  });

  it("Anthropic's 400 'credit balance is too low' and 402 billing_error (docs.anthropic.com/en/api/errors) are final", () => {
    const low = {
      type: "error",
      error: {
        type: "invalid_request_error",
        message: "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.",
      },
    };
    const billing = { type: "error", error: { type: "billing_error", message: "There's an issue with your billing." } };
    for (const [status, body] of [
      [400, low],
      [402, billing],
    ] as const) {
      const err = mapSdkError(Anthropic.APIError.generate(status, body, undefined, new Headers()), ctx('Claude model "claude-x"'));
      expect({ kind: err.kind, retryable: err.isRetryable, status: err.status }).toEqual({
        kind: "out_of_credits",
        retryable: false,
        status,
      });
    }
    // Any other 400 stays a plain HTTP error.
    const bad = { type: "error", error: { type: "invalid_request_error", message: "max_tokens: Field required" } };
    expect(mapSdkError(Anthropic.APIError.generate(400, bad, undefined, new Headers()), ctx("c")).kind).toBe("http");
  });

  it("isOutOfCredits reads only the documented signs", () => {
    expect(isOutOfCredits(429, "insufficient_quota", "")).toBe(true);
    expect(isOutOfCredits(429, "rate_limit_error", "quota")).toBe(false);
    expect(isOutOfCredits(402, "HTTP_402", "")).toBe(true);
    expect(isOutOfCredits(400, "invalid_request_error", "Your credit balance is too low")).toBe(true);
    expect(isOutOfCredits(400, "invalid_request_error", "bad schema")).toBe(false);
  });
});
