// The Gemini provider through the real @google/generative-ai SDK against the offline stand-in: answers, every fault, timeouts, and the key kept secret.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createGeminiProvider } from "../../../shared/providers/gemini/gemini-provider";
import { ModelCallError, type ModelFailureKind } from "../../../shared/models/model-call-error";
import type { ModelRequest } from "../../../shared/models/model-provider";
import { startStandin, type Standin, type StandinFault } from "../../../local/standin/standin-server";

const API_KEY = "AIzaSyTEST-never-show-this-key-0123456789";
const request = (extra: Partial<ModelRequest> = {}): ModelRequest => ({
  model: "gemini-2.5-flash",
  systemPrompt: "You are a comedian.",
  userPrompt: "Tell me a joke about trains.",
  generationConfig: { temperature: 0.7 },
  ...extra,
});

/** The ModelCallError a call rejects with; fails the test if it resolves or throws something else. */
async function failure(promise: Promise<unknown>): Promise<ModelCallError> {
  const outcome = await promise.then(
    (value) => new Error(`expected a ModelCallError, got an answer: ${JSON.stringify(value)}`),
    (err: unknown) => err,
  );
  if (!(outcome instanceof ModelCallError)) throw outcome;
  return outcome;
}

/** Everything an error shows a user or a log: message, stack, and its cause's. */
function everythingShown(err: ModelCallError): string {
  const cause = err.cause;
  return [
    err.message,
    err.stack,
    String(cause),
    cause instanceof Error ? cause.stack : "",
    JSON.stringify(err.options, (_k, v: unknown) => (v instanceof Error ? v.message : v)),
  ].join("\n");
}

let standin: Standin;
beforeAll(async () => {
  standin = await startStandin();
});
afterAll(async () => {
  await standin.close();
});
beforeEach(() => {
  standin.configure({ latencyMs: 0, rpm: 0, faults: {}, retryDelayMs: 100 });
  standin.reset();
});
const provider = () => createGeminiProvider({ apiKey: API_KEY, baseUrl: standin.url, timeoutMs: 5_000 });

describe("answers", () => {
  it("returns the text, usage and finish reason, sending the system prompt, user prompt and generation config", async () => {
    const result = await provider().generate(request());
    expect(result.text).toBe("[stand-in gemini-2.5-flash] Tell me a joke about trains.");
    expect(result.finishReason).toBe("STOP");
    const promptTokens = Math.ceil("You are a comedian.".length / 4) + Math.ceil("Tell me a joke about trains.".length / 4);
    const outputTokens = Math.ceil(result.text.length / 4);
    expect(result.usage).toEqual({ prompt_tokens: promptTokens, output_tokens: outputTokens, total_tokens: promptTokens + outputTokens });
    expect(standin.requests()).toMatchObject([
      {
        model: "gemini-2.5-flash",
        systemPrompt: "You are a comedian.",
        userPrompt: "Tell me a joke about trains.",
        generationConfig: { temperature: 0.7 },
      },
    ]);
  });

  it("sends no system instruction for an empty system prompt", async () => {
    await provider().generate(request({ systemPrompt: "" }));
    expect(standin.requests()[0]?.systemPrompt).toBe("");
  });

  it("returns valid JSON in JSON mode", async () => {
    const result = await provider().generate(request({ generationConfig: { responseMimeType: "application/json" } }));
    expect(JSON.parse(result.text)).toEqual({ model: "gemini-2.5-flash", prompt: "Tell me a joke about trains." });
  });

  it("treats MAX_TOKENS with text as an answer, recording the finish reason", async () => {
    standin.configure({ script: ["max_tokens"] });
    const result = await provider().generate(request());
    expect(result.finishReason).toBe("MAX_TOKENS");
    expect(result.text.length).toBeGreaterThan(0);
  });

  it("reaches a base URL given with a trailing slash", async () => {
    const result = await createGeminiProvider({ apiKey: API_KEY, baseUrl: `${standin.url}/` }).generate(request());
    expect(result.finishReason).toBe("STOP");
  });
});

describe("faults map to ModelCallError", () => {
  const table: { fault: StandinFault; kind: ModelFailureKind; retryable: boolean; status?: number; reason?: string; message: RegExp }[] = [
    {
      fault: "429",
      kind: "http",
      retryable: true,
      status: 429,
      reason: "RESOURCE_EXHAUSTED",
      message: /answered HTTP 429 RESOURCE_EXHAUSTED: Resource has been exhausted/,
    },
    { fault: "500", kind: "http", retryable: true, status: 500, reason: "INTERNAL", message: /HTTP 500 INTERNAL: An internal error/ },
    {
      fault: "503",
      kind: "http",
      retryable: true,
      status: 503,
      reason: "UNAVAILABLE",
      message: /HTTP 503 UNAVAILABLE: The model is overloaded/,
    },
    { fault: "504", kind: "http", retryable: true, status: 504, reason: "DEADLINE_EXCEEDED", message: /HTTP 504 DEADLINE_EXCEEDED/ },
    { fault: "malformed", kind: "malformed", retryable: true, message: /2xx answer that is not valid JSON/ },
    { fault: "safety", kind: "blocked", retryable: false, reason: "SAFETY", message: /finishReason SAFETY and no text/ },
    {
      fault: "blocked",
      kind: "blocked",
      retryable: false,
      reason: "SAFETY",
      message: /blocked the prompt \(promptFeedback\.blockReason SAFETY\)/,
    },
    { fault: "empty", kind: "empty", retryable: false, reason: "NO_CANDIDATES", message: /returned no candidates/ },
    {
      fault: "reset",
      kind: "network",
      retryable: true,
      message: /could not reach Gemini model "gemini-2\.5-flash" at http:\/\/127\.0\.0\.1:\d+: fetch failed/,
    },
  ];
  for (const row of table) {
    it(`"${row.fault}" becomes kind ${row.kind}, ${row.retryable ? "retryable" : "not retryable"}`, async () => {
      standin.configure({ script: [row.fault] });
      const err = await failure(provider().generate(request()));
      expect(err.kind).toBe(row.kind);
      expect(err.isRetryable).toBe(row.retryable);
      expect(err.status).toBe(row.status);
      expect(err.options.reason).toBe(row.reason);
      expect(err.message).toMatch(row.message);
      expect(err.message).toContain("gemini-2.5-flash");
    });
  }

  it("a refused or empty answer carries the usage Gemini reported for it (it was billed); an HTTP error carries none", async () => {
    const promptTokens = Math.ceil("You are a comedian.".length / 4) + Math.ceil("Tell me a joke about trains.".length / 4);
    for (const fault of ["safety", "blocked", "empty"] as const) {
      standin.configure({ script: [fault] });
      const err = await failure(provider().generate(request()));
      expect(err.usage).toEqual({ prompt_tokens: promptTokens, output_tokens: 0, total_tokens: promptTokens });
    }
    standin.configure({ script: ["503"] });
    expect((await failure(provider().generate(request()))).usage).toBeUndefined();
  });

  it("an unknown model path gives a non-retryable 404 NOT_FOUND that says to check the model table", async () => {
    const err = await failure(provider().generate(request({ model: "no such model" })));
    expect([err.kind, err.status, err.options.reason, err.isRetryable]).toEqual(["http", 404, "NOT_FOUND", false]);
    expect(err.message).toContain("check the model name in the model table");
  });

  it("takes retryAfterMs from an injected 429's RetryInfo", async () => {
    standin.configure({ script: ["429"], retryDelayMs: 1500 });
    expect((await failure(provider().generate(request()))).retryAfterMs).toBe(1500);
  });

  it("takes retryAfterMs from the rate limit's RetryInfo: the time until a slot frees", async () => {
    standin.configure({ rpm: 1 });
    await provider().generate(request());
    const err = await failure(provider().generate(request()));
    expect([err.kind, err.status, err.options.reason]).toEqual(["http", 429, "RESOURCE_EXHAUSTED"]);
    expect(err.retryAfterMs).toBeGreaterThan(55_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it("a refused connection is a retryable network error", async () => {
    const closed = await startStandin();
    const url = closed.url;
    await closed.close();
    const err = await failure(createGeminiProvider({ apiKey: API_KEY, baseUrl: url }).generate(request()));
    expect([err.kind, err.isRetryable]).toEqual(["network", true]);
  });

  it("a connection dropped after the headers, mid-body, is a retryable error, not an answer", async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      res.write('{"candidates":[');
      setTimeout(() => res.socket?.destroy(), 10);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const err = await failure(createGeminiProvider({ apiKey: API_KEY, baseUrl: url }).generate(request()));
      expect(err.kind).toBe("network");
      expect(err.isRetryable).toBe(true);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("timeouts and aborts", () => {
  it("gives up after timeoutMs with a retryable timeout error naming the limit", async () => {
    standin.configure({ latencyMs: 2_000 });
    const started = performance.now();
    const err = await failure(createGeminiProvider({ apiKey: API_KEY, baseUrl: standin.url, timeoutMs: 60 }).generate(request()));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect([err.kind, err.isRetryable]).toEqual(["timeout", true]);
    expect(err.message).toContain("within 60 ms");
  });

  it("stops when the caller's signal aborts, and says the caller aborted", async () => {
    standin.configure({ latencyMs: 2_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("deadline reached")), 40);
    const err = await failure(provider().generate(request({ signal: controller.signal })));
    expect(err.kind).toBe("timeout");
    expect(err.message).toContain("aborted by the caller (deadline reached)");
  });

  it("does not call at all with an already aborted signal", async () => {
    const err = await failure(provider().generate(request({ signal: AbortSignal.abort(new Error("shutting down")) })));
    expect(err.message).toContain("aborted by the caller (shutting down)");
    expect(standin.stats().requests).toBe(0);
  });
});

describe("the API key", () => {
  it("never appears in any error, whatever went wrong", async () => {
    const errors: ModelCallError[] = [];
    for (const fault of ["429", "500", "503", "504", "malformed", "safety", "blocked", "empty", "reset"] as const) {
      standin.configure({ script: [fault] });
      errors.push(await failure(provider().generate(request())));
    }
    errors.push(await failure(provider().generate(request({ model: "no such model" }))));
    standin.configure({ latencyMs: 500 });
    errors.push(await failure(createGeminiProvider({ apiKey: API_KEY, baseUrl: standin.url, timeoutMs: 20 }).generate(request())));
    const closed = await startStandin();
    await closed.close();
    errors.push(await failure(createGeminiProvider({ apiKey: API_KEY, baseUrl: closed.url }).generate(request())));
    expect(errors).toHaveLength(12);
    for (const err of errors) expect(everythingShown(err)).not.toContain(API_KEY);
  });

  it("is redacted from a server message that echoes it", async () => {
    const server = createServer((req, res) => {
      const key = String(req.headers["x-goog-api-key"]);
      res.writeHead(400, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          error: {
            code: 400,
            message: `API key not valid: ${key}`,
            status: "INVALID_ARGUMENT",
            details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID", metadata: { key } }],
          },
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const err = await failure(createGeminiProvider({ apiKey: API_KEY, baseUrl: url }).generate(request()));
      expect([err.kind, err.status, err.isRetryable]).toEqual(["http", 400, false]);
      expect(err.message).toContain("API key not valid: [REDACTED]");
      expect(err.message).toContain("check GEMINI_API_KEY");
      expect(everythingShown(err)).not.toContain(API_KEY);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
