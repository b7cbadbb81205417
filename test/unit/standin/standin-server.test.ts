// The Gemini stand-in over HTTP: the wire format, every knob, the admin API, stats, and the CLI that runs it.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { STANDIN_FAULTS, startStandin, type Standin, type StandinFault } from "../../../local/standin/standin-server";
import { schemaProblems } from "./schema-problems";

const MODEL = "gemini-2.5-flash";
const body = (userPrompt: string, extra: Record<string, unknown> = {}) => ({
  contents: [{ role: "user", parts: [{ text: userPrompt }] }],
  ...extra,
});

/** Gemini's answer and error bodies, as far as the tests look into them. */
interface WireBody {
  candidates?: { content?: { role: string; parts: { text: string }[] }; finishReason: string }[];
  usageMetadata?: { promptTokenCount: number; candidatesTokenCount: number; totalTokenCount: number };
  promptFeedback?: { blockReason: string };
  error?: { code: number; message: string; status: string; details?: { "@type": string; retryDelay?: string }[] };
}

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: <T = WireBody>() => T;
}

async function post(url: string, payload: unknown, path = `/v1beta/models/${MODEL}:generateContent`): Promise<Reply> {
  const res = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof payload === "string" ? payload : JSON.stringify(payload),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
}

async function get(url: string, path: string): Promise<Reply> {
  const res = await fetch(`${url}${path}`);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
}

const replyText = (reply: Reply): string => reply.json().candidates?.[0]?.content?.parts[0]?.text ?? "(no text)";

/** The outcome of each of `n` requests: "ok" or the HTTP status / fault seen. */
async function outcomes(url: string, n: number): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await post(url, body(`request ${i}`));
    seen.push(r.status === 200 ? "ok" : String(r.status));
  }
  return seen;
}

let standin: Standin;
beforeAll(async () => {
  standin = await startStandin({ port: 0 });
});
afterAll(async () => {
  await standin.close();
});
beforeEach(() => {
  standin.configure({ latencyMs: 0, rpm: 0, faults: {}, seed: 1, retryDelayMs: 100 });
  standin.reset();
});

describe("wire format", () => {
  it("binds 127.0.0.1 on a free port when given port 0", () => {
    expect(standin.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("echoes the full user prompt with the model name, STOP and usage at about four characters a token", async () => {
    const userPrompt = `Tell a joke about %topic%\n\nand keep all of this: ${"long context ".repeat(400)} 🚋 end`;
    const reply = await post(
      standin.url,
      body(userPrompt, { systemInstruction: { role: "system", parts: [{ text: "You are a comedian." }] } }),
    );
    expect(reply.status).toBe(200);
    const json = reply.json();
    expect(json.candidates?.[0]?.content?.role).toBe("model");
    expect(json.candidates?.[0]?.finishReason).toBe("STOP");
    const text = replyText(reply);
    expect(text).toBe(`[stand-in ${MODEL}] ${userPrompt}`);
    const promptTokens = Math.ceil("You are a comedian.".length / 4) + Math.ceil(userPrompt.length / 4);
    expect(json.usageMetadata).toEqual({
      promptTokenCount: promptTokens,
      candidatesTokenCount: Math.ceil(text.length / 4),
      totalTokenCount: promptTokens + Math.ceil(text.length / 4),
    });
  });

  it("answers the same request the same way every time", async () => {
    const a = await post(standin.url, body("same"));
    const b = await post(standin.url, body("same"));
    expect(a.text).toBe(b.text);
  });

  it("answers JSON mode without a schema with valid JSON holding the model and full prompt", async () => {
    const userPrompt = 'Extract the row from "this" text\n{not json}';
    const reply = await post(standin.url, body(userPrompt, { generationConfig: { responseMimeType: "application/json" } }));
    expect(JSON.parse(replyText(reply))).toEqual({ model: MODEL, prompt: userPrompt });
  });

  it("answers JSON mode with a schema with a value that conforms to it, different per row", async () => {
    const responseSchema = {
      type: "OBJECT",
      properties: {
        answer: { type: "STRING", enum: ["FUNNY", "DULL"] },
        score: { type: "NUMBER" },
        votes: { type: "INTEGER", minimum: 1, maximum: 10 },
        ok: { type: "BOOLEAN" },
        notes: { type: "ARRAY", items: { type: "STRING" } },
      },
      required: ["answer", "score"],
    };
    const rows: string[] = [];
    for (const lang of ["zh", "fr", "ja", "en"]) {
      const reply = await post(
        standin.url,
        body(`dilemma in ${lang}`, { generationConfig: { responseMimeType: "application/json", responseSchema } }),
      );
      const value: unknown = JSON.parse(replyText(reply));
      expect(schemaProblems(responseSchema, value)).toEqual([]);
      rows.push(JSON.stringify(value));
    }
    expect(new Set(rows).size).toBeGreaterThan(1);
  });

  it("answers 404 NOT_FOUND for an unknown path, another method or a GET, and 400 INVALID_ARGUMENT for a bad body", async () => {
    const notFound = [
      await post(standin.url, body("x"), "/v1beta/models/bad%20model:generateContent"),
      await post(standin.url, body("x"), `/v1beta/models/${MODEL}:streamGenerateContent`),
      await post(standin.url, body("x"), "/elsewhere"),
      await get(standin.url, `/v1beta/models/${MODEL}:generateContent`),
    ];
    for (const r of notFound) {
      expect(r.status).toBe(404);
      expect(r.json().error).toMatchObject({ code: 404, status: "NOT_FOUND" });
    }
    const bad = [await post(standin.url, "{not json"), await post(standin.url, { contents: [] }), await post(standin.url, "[1,2]")];
    for (const r of bad) {
      expect(r.status).toBe(400);
      expect(r.json().error).toMatchObject({ code: 400, status: "INVALID_ARGUMENT" });
    }
    expect(standin.stats()).toEqual({ requests: 7, answered: 0, faults: {}, rejected: 7, batchJobs: 0, batchRequests: 0 });
  });
});

describe("rate limit", () => {
  it("answers 429 RESOURCE_EXHAUSTED beyond rpm, with a RetryInfo delay until a slot frees and a Retry-After header", async () => {
    standin.configure({ rpm: 2 });
    expect((await post(standin.url, body("1"))).status).toBe(200);
    expect((await post(standin.url, body("2"))).status).toBe(200);
    const limited = await post(standin.url, body("3"));
    expect(limited.status).toBe(429);
    const error = limited.json().error;
    expect(error).toMatchObject({ code: 429, status: "RESOURCE_EXHAUSTED" });
    expect(error?.message).toContain("2 requests per minute");
    const retryInfo = error?.details?.find((d) => d["@type"] === "type.googleapis.com/google.rpc.RetryInfo");
    const seconds = Number(/^(\d+(?:\.\d+)?)s$/.exec(retryInfo?.retryDelay ?? "")?.[1]);
    expect(seconds).toBeGreaterThan(55);
    expect(seconds).toBeLessThanOrEqual(60);
    expect(limited.headers.get("retry-after")).toBe(String(Math.ceil(seconds)));
    expect(standin.stats()).toEqual({ requests: 3, answered: 2, faults: { rate_limited: 1 }, rejected: 0, batchJobs: 0, batchRequests: 0 });
  });

  it("admits exactly rpm of many concurrent requests", async () => {
    standin.configure({ rpm: 5 });
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => post(standin.url, body(`burst ${i}`))));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(5);
    expect(replies.filter((r) => r.status === 429)).toHaveLength(15);
    expect(standin.stats()).toEqual({
      requests: 20,
      answered: 5,
      faults: { rate_limited: 15 },
      rejected: 0,
      batchJobs: 0,
      batchRequests: 0,
    });
  });

  it("does not let rate-limited requests use up the window, and lifts the limit when rpm goes back to 0", async () => {
    standin.configure({ rpm: 1 });
    expect(await outcomes(standin.url, 3)).toEqual(["ok", "429", "429"]);
    standin.configure({ rpm: 0 });
    expect(await outcomes(standin.url, 2)).toEqual(["ok", "ok"]);
  });
});

describe("smooth rate limit (rpmBurst)", () => {
  it("admits a burst of rpmBurst, then one request per rpm/60 s, and advertises the wait until the next token", async () => {
    standin.configure({ rpm: 600, rpmBurst: 2 }); // 10 a second
    const first = await outcomes(standin.url, 4);
    expect(first).toEqual(["ok", "ok", "429", "429"]);
    const limited = await post(standin.url, { contents: [{ role: "user", parts: [{ text: "x" }] }] });
    const delay = String(limited.json().error?.details?.[0]?.retryDelay);
    expect(Number.parseFloat(delay)).toBeGreaterThan(0);
    expect(Number.parseFloat(delay)).toBeLessThanOrEqual(0.1);
    await new Promise((r) => setTimeout(r, 120));
    expect(await outcomes(standin.url, 1)).toEqual(["ok"]);
    standin.configure({ rpm: 0, rpmBurst: 0 });
  });

  it("turns a rate-limited request away at once, without the answer latency", async () => {
    standin.configure({ rpm: 6, rpmBurst: 1, latencyMs: 400 }); // one token per 10 s
    await outcomes(standin.url, 1);
    const started = Date.now();
    expect(await outcomes(standin.url, 1)).toEqual(["429"]);
    expect(Date.now() - started).toBeLessThan(300);
    standin.configure({ rpm: 0, rpmBurst: 0, latencyMs: 0 });
  });
});

describe("faults", () => {
  const expected: Record<StandinFault, (r: Reply) => void> = {
    "400": (r) => expect([r.status, r.json().error?.status]).toEqual([400, "INVALID_ARGUMENT"]),
    "403": (r) => expect([r.status, r.json().error?.status]).toEqual([403, "PERMISSION_DENIED"]),
    "404": (r) => expect([r.status, r.json().error?.status]).toEqual([404, "NOT_FOUND"]),
    "429": (r) => {
      expect(r.status).toBe(429);
      expect(r.json().error).toMatchObject({
        status: "RESOURCE_EXHAUSTED",
        details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "0.1s" }],
      });
      expect(r.headers.get("retry-after")).toBe("1");
    },
    // Gemini documents no out-of-credits answer: the stand-in sends a spent quota's 429, retry delay and all.
    insufficient_quota: (r) => {
      expect(r.status).toBe(429);
      expect(r.json().error?.status).toBe("RESOURCE_EXHAUSTED");
      expect(String(r.json().error?.message)).toMatch(/billing details/);
    },
    "500": (r) => expect([r.status, r.json().error?.status]).toEqual([500, "INTERNAL"]),
    "503": (r) => expect([r.status, r.json().error?.status]).toEqual([503, "UNAVAILABLE"]),
    "504": (r) => expect([r.status, r.json().error?.status]).toEqual([504, "DEADLINE_EXCEEDED"]),
    "529": (r) => expect([r.status, r.json().error?.status]).toEqual([529, "UNAVAILABLE"]),
    malformed: (r) => {
      expect(r.status).toBe(200);
      expect((): unknown => JSON.parse(r.text)).toThrow(SyntaxError);
    },
    safety: (r) => {
      expect(r.status).toBe(200);
      const candidate = r.json().candidates?.[0];
      expect(candidate?.finishReason).toBe("SAFETY");
      expect(candidate?.content).toBeUndefined();
    },
    blocked: (r) => {
      expect(r.status).toBe(200);
      expect(r.json().promptFeedback?.blockReason).toBe("SAFETY");
      expect(r.json().candidates).toBeUndefined();
    },
    empty: (r) => {
      expect(r.status).toBe(200);
      expect(r.json().candidates).toEqual([]);
    },
    reset: () => {
      throw new Error("a reset connection has no reply");
    },
    max_tokens: (r) => {
      expect(r.json().candidates?.[0]?.finishReason).toBe("MAX_TOKENS");
      const text = replyText(r);
      expect(text.length).toBeGreaterThan(0);
      expect(`[stand-in ${MODEL}] max`.startsWith(text)).toBe(true);
    },
  };

  for (const kind of STANDIN_FAULTS) {
    it(`injects "${kind}" and counts it`, async () => {
      standin.configure({ script: [kind] });
      if (kind === "reset") await expect(post(standin.url, body("max"))).rejects.toThrow(/fetch failed/);
      else expected[kind](await post(standin.url, body("max")));
      expect(standin.stats()).toEqual({ requests: 1, answered: 0, faults: { [kind]: 1 }, rejected: 0, batchJobs: 0, batchRequests: 0 });
      expect((await post(standin.url, body("after"))).status).toBe(200);
    });
  }

  it("advertises retryDelayMs in an injected 429's RetryInfo and Retry-After", async () => {
    standin.configure({ script: ["429"], retryDelayMs: 1500 });
    const r = await post(standin.url, body("x"));
    expect(r.json().error?.details?.[0]?.retryDelay).toBe("1.5s");
    expect(r.headers.get("retry-after")).toBe("2");
  });

  it("injects a fault on every request at rate 1 and on none at rate 0", async () => {
    standin.configure({ faults: { "503": 1 } });
    expect(await outcomes(standin.url, 3)).toEqual(["503", "503", "503"]);
    standin.configure({ faults: { "503": 0 } });
    expect(await outcomes(standin.url, 3)).toEqual(["ok", "ok", "ok"]);
  });

  it("repeats the same fault sequence for the same seed, after a reset and in a new stand-in, and changes it with the seed", async () => {
    standin.configure({ faults: { "503": 0.3, "500": 0.2 }, seed: 42 });
    const first = await outcomes(standin.url, 40);
    standin.reset();
    expect(await outcomes(standin.url, 40)).toEqual(first);
    const other = await startStandin({ faults: { "503": 0.3, "500": 0.2 }, seed: 42 });
    try {
      expect(await outcomes(other.url, 40)).toEqual(first);
      other.configure({ seed: 7 });
      expect(await outcomes(other.url, 40)).not.toEqual(first);
    } finally {
      await other.close();
    }
    const failed = first.filter((o) => o !== "ok").length;
    expect(failed).toBeGreaterThan(8); // about half of 40
    expect(failed).toBeLessThan(32);
  });

  it("rejects rates outside 0..1, rates adding up to more than 1 and unknown kinds, naming each", () => {
    expect(() => standin.configure({ faults: { "503": 1.5 } })).toThrow(/faults\.503: expected a rate from 0 to 1/);
    expect(() => standin.configure({ faults: { "503": 0.6, "500": 0.6 } })).toThrow(/add up to 1\.2/);
    expect(() => standin.configure({ faults: { "418": 0.1 } as never })).toThrow(/faults\.418: unknown fault kind/);
    expect(() => standin.configure({ script: ["ok", "teapot" as never] })).toThrow(/script\[1\]/);
    expect(() => standin.configure({ rpm: -1 })).toThrow(/rpm/);
  });
});

describe("script", () => {
  it("fails the next requests as scripted, then goes back to the dice", async () => {
    standin.configure({ script: ["503", "503"] });
    expect(await outcomes(standin.url, 3)).toEqual(["503", "503", "ok"]);
  });

  it("is consumed before the dice", async () => {
    standin.configure({ faults: { "500": 1 }, script: ["ok", "504"] });
    expect(await outcomes(standin.url, 3)).toEqual(["ok", "504", "500"]);
  });

  it("does not shift the dice sequence", async () => {
    standin.configure({ faults: { "503": 0.5 }, seed: 9 });
    const plain = await outcomes(standin.url, 12);
    standin.reset();
    standin.configure({ script: ["500", "500"] });
    const scripted = await outcomes(standin.url, 12);
    expect(scripted.slice(0, 2)).toEqual(["500", "500"]);
    expect(scripted.slice(2)).toEqual(plain.slice(2));
  });
});

describe("latency", () => {
  it("adds latencyMs to every answer", async () => {
    standin.configure({ latencyMs: 80 });
    const started = performance.now();
    await post(standin.url, body("slow"));
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
  });

  it("closes promptly while an answer is still waiting", async () => {
    const slow = await startStandin({ latencyMs: 10_000 });
    const pending = post(slow.url, body("never answered")).catch((err: unknown) => err);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const started = performance.now();
    await slow.close();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
  });
});

describe("admin API", () => {
  it("changes the knobs with POST /__standin/config and shows them with GET", async () => {
    const set = await post(standin.url, { rpm: 5, faults: { "503": 0.25 }, latencyMs: 1 }, "/__standin/config");
    expect(set.status).toBe(200);
    expect((await get(standin.url, "/__standin/config")).json<unknown>()).toMatchObject({
      rpm: 5,
      faults: { "503": 0.25 },
      latencyMs: 1,
      seed: 1,
      retryDelayMs: 100,
    });
    expect(standin.config()).toMatchObject({ rpm: 5, faults: { "503": 0.25 } });
  });

  it("drives a script from another process and reports stats", async () => {
    await post(standin.url, { script: ["503", "ok", "429"] }, "/__standin/config");
    expect(await outcomes(standin.url, 4)).toEqual(["503", "ok", "429", "ok"]);
    expect((await get(standin.url, "/__standin/stats")).json<unknown>()).toEqual({
      requests: 4,
      answered: 2,
      faults: { "503": 1, "429": 1 },
      rejected: 0,
      batchJobs: 0,
      batchRequests: 0,
    });
  });

  it("lists the received requests in order with model, prompts, generation config and outcome", async () => {
    standin.configure({ script: ["ok", "503"] });
    await post(standin.url, body("first", { systemInstruction: { parts: [{ text: "sys one" }] }, generationConfig: { temperature: 0.7 } }));
    await post(standin.url, body("second"), "/v1beta/models/gemini-2.5-pro:generateContent");
    const { requests, dropped } = (await get(standin.url, "/__standin/requests")).json<{ requests: unknown[]; dropped: number }>();
    expect(dropped).toBe(0);
    expect(requests).toMatchObject([
      { model: MODEL, systemPrompt: "sys one", userPrompt: "first", generationConfig: { temperature: 0.7 }, outcome: "ok" },
      { model: "gemini-2.5-pro", systemPrompt: "", userPrompt: "second", generationConfig: {}, outcome: "503" },
    ]);
    expect(standin.requests().map((r) => r.userPrompt)).toEqual(["first", "second"]);
  });

  it("clears stats, the request log, the script and the rate window with POST /__standin/reset", async () => {
    standin.configure({ rpm: 1, script: ["500", "500", "500"] });
    await outcomes(standin.url, 2);
    const reset = await post(standin.url, {}, "/__standin/reset");
    expect(reset.json<unknown>()).toEqual({ requests: 0, answered: 0, faults: {}, rejected: 0, batchJobs: 0, batchRequests: 0 });
    expect(standin.requests()).toEqual([]);
    expect(standin.config().script).toEqual([]);
    expect(await outcomes(standin.url, 1)).toEqual(["ok"]); // window and script were cleared
  });

  it("refuses bad options with 400 INVALID_ARGUMENT naming each problem, and unknown admin routes with 404", async () => {
    const bad = await post(standin.url, { rpm: "fast", latency: 3 }, "/__standin/config");
    expect(bad.status).toBe(400);
    expect(bad.json().error?.status).toBe("INVALID_ARGUMENT");
    expect(bad.json().error?.message).toMatch(/latency: unknown option.*rpm: expected a whole number/);
    expect((await post(standin.url, "{oops", "/__standin/config")).status).toBe(400);
    expect((await get(standin.url, "/__standin/nothing")).status).toBe(404);
    expect(standin.stats().requests).toBe(0); // admin calls are not model requests
  });
});

describe("npm run standin (tools/standin.ts)", () => {
  /** What a child process's "exit" event carries; events.once types every event's arguments as any[]. */
  type ExitArgs = [code: number | null, signal: NodeJS.Signals | null];
  const runTool = (args: string[]) =>
    spawn(process.execPath, ["--import", "tsx", "tools/standin.ts", ...args], { stdio: ["ignore", "pipe", "pipe"] });

  it("prints one line with its URL, applies its flags, and exits 0 on SIGTERM", async () => {
    const child = runTool(["--port", "0", "--fault", "503=1", "--latency-ms", "1", "--seed", "3"]);
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once("line", resolve);
      child.once("exit", (code) => reject(new Error(`standin exited with ${code} before printing its URL`)));
    });
    const url = /^Gemini stand-in listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line)?.[1];
    expect(url).toBeDefined();
    expect((await post(url ?? "", body("x"))).status).toBe(503);
    child.kill("SIGTERM");
    const [code] = (await once(child, "exit")) as ExitArgs;
    expect(code).toBe(0);
  });

  it("prints usage for --help and exits 2 naming a bad flag", async () => {
    const help = runTool(["--help"]);
    let out = "";
    help.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const bad = runTool(["--fault", "503=2"]);
    let err = "";
    bad.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    const [[helpCode], [badCode]] = (await Promise.all([once(help, "exit"), once(bad, "exit")])) as [ExitArgs, ExitArgs];
    expect(helpCode).toBe(0);
    expect(out).toContain("Usage: npm run standin");
    expect(badCode).toBe(2);
    expect(err).toContain("--fault 503=2: expected KIND=RATE with RATE from 0 to 1");
  });
});
