// An HTTP server speaking Gemini's generateContent wire format, with latency, rate-limit and fault knobs, for offline runs and tests.
//
// Model route: POST /v1beta/models/{model}:generateContent (v1 and v1alpha too). Answers are built by
// standin-reply.ts: plain text is `[stand-in MODEL] USER_PROMPT`; JSON mode gives valid JSON.
// Usage is estimated at four characters a token. Errors use Google's shape {error:{code,message,status}}.
//
// Each request is decided when its body has been read, in this order: rate limit (sliding 60 s
// window of admitted requests, or with `rpmBurst` a token bucket; 429 with RetryInfo and Retry-After), then the next `script` item,
// then the seeded fault dice; then it waits `latencyMs` and answers.
//
// Admin API, so that another process (a test, a bench) can drive a stand-in it did not start:
//   GET  /__standin/stats     counts              GET  /__standin/config   current knobs
//   POST /__standin/config    JSON body = the same options as configure(); keys given replace the current ones
//   POST /__standin/reset     clears stats, request log, script and rate window; re-seeds the dice
//   GET  /__standin/requests  {requests:[{model,systemPrompt,userPrompt,generationConfig,outcome,receivedAt}], dropped}
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { buildStandinReply, estimateTokens, type StandinPrompt } from "./standin-reply";

export const STANDIN_FAULTS = ["400", "403", "404", "429", "500", "503", "504", "malformed", "safety", "blocked", "empty", "reset", "max_tokens"] as const;
/**
 * 429/500/503/504: Google's error JSON with that status. malformed: 200 whose body is not JSON.
 * safety: 200 whose candidate has finishReason SAFETY and no text. blocked: 200 with
 * promptFeedback.blockReason SAFETY and no candidates. empty: 200 with `candidates: []`.
 * reset: the socket is destroyed without an answer. max_tokens: 200 with half the text and finishReason MAX_TOKENS.
 */
export type StandinFault = (typeof STANDIN_FAULTS)[number];
export type StandinScriptItem = StandinFault | "ok";
export type StandinOutcome = StandinScriptItem | "rate_limited";

export interface StandinOptions {
  /** 0 picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1: the stand-in is for this machine only. */
  host?: string;
  /** Added to every answer. */
  latencyMs?: number;
  /** Requests per minute accepted (sliding 60 s window); beyond it the answer is 429 RESOURCE_EXHAUSTED. 0 = no limit. */
  rpm?: number;
  /**
   * 0 (default): `rpm` is a sliding 60 s window, so a burst of up to rpm requests passes at once. n > 0: a
   * token bucket of n requests refilled evenly at rpm/60 a second, so the pace is smooth (as a quota enforced
   * per second is) and calls / rpm is a real bound; a 429 then advertises the wait until the next token.
   */
  rpmBurst?: number;
  /** Fraction (0..1) of requests answered with each injected fault; the rates add up to at most 1. */
  faults?: Partial<Record<StandinFault, number>>;
  /** Seed of the fault dice, so a run is repeatable (default 1). */
  seed?: number;
  /** The retryDelay an injected 429 advertises (default 100 ms). */
  retryDelayMs?: number;
  /** Outcomes consumed one per request before the dice: ["503", "503", "ok"] fails the next two requests. */
  script?: StandinScriptItem[];
}

export type StandinConfig = Required<Omit<StandinOptions, "port" | "host">>;

export interface StandinStats {
  requests: number;
  answered: number;
  faults: Partial<Record<StandinFault | "rate_limited", number>>;
  /** Requests answered 400 or 404 (bad body, unknown path). */
  rejected: number;
}

export interface StandinRequest {
  model: string;
  systemPrompt: string;
  userPrompt: string;
  generationConfig: Record<string, unknown>;
  outcome: StandinOutcome;
  /** Epoch ms when the request was decided. */
  receivedAt: number;
}

export interface Standin {
  readonly url: string;
  stats(): StandinStats;
  /** Keys given replace the current ones (so `faults: {}` clears the faults). Throws on a bad value. */
  configure(options: Omit<StandinOptions, "port" | "host">): void;
  config(): StandinConfig;
  /** The received model requests in order (the last REQUEST_LOG_CAP). */
  requests(): StandinRequest[];
  reset(): void;
  close(): Promise<void>;
}

export const REQUEST_LOG_CAP = 10_000;
const WINDOW_MS = 60_000;
const MAX_BODY_BYTES = 32 * 1024 * 1024;
const CONFIG_KEYS = ["latencyMs", "rpm", "rpmBurst", "faults", "seed", "retryDelayMs", "script"] as const;
const DEFAULT_CONFIG: StandinConfig = { latencyMs: 0, rpm: 0, rpmBurst: 0, faults: {}, seed: 1, retryDelayMs: 100, script: [] };
const MODEL_ROUTE = /^\/(?:v1beta|v1|v1alpha)\/models\/([A-Za-z0-9][A-Za-z0-9._-]*):([A-Za-z]+)$/;

/** Checks options that may come from another process as JSON; returns one `key: problem` line per problem. */
export function validateStandinOptions(options: unknown): string[] {
  if (!options || typeof options !== "object" || Array.isArray(options)) return ["options: expected a JSON object"];
  const problems: string[] = [];
  const o = options as Record<string, unknown>;
  const count = (key: string, value: unknown, integer: boolean) => {
    if (value === undefined) return;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
      problems.push(`${key}: expected a ${integer ? "whole " : ""}number of at least 0, got ${JSON.stringify(value)}`);
    }
  };
  for (const key of Object.keys(o)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(key) && key !== "port" && key !== "host") {
      problems.push(`${key}: unknown option; known: ${CONFIG_KEYS.join(", ")}`);
    }
  }
  count("latencyMs", o.latencyMs, false);
  count("rpm", o.rpm, true);
  count("rpmBurst", o.rpmBurst, true);
  count("retryDelayMs", o.retryDelayMs, false);
  if (o.seed !== undefined && (typeof o.seed !== "number" || !Number.isInteger(o.seed))) problems.push(`seed: expected a whole number, got ${JSON.stringify(o.seed)}`);
  if (o.faults !== undefined) {
    if (!o.faults || typeof o.faults !== "object" || Array.isArray(o.faults)) problems.push("faults: expected an object of fault kind to rate, e.g. {\"503\": 0.1}");
    else {
      let total = 0;
      for (const [kind, rate] of Object.entries(o.faults)) {
        if (!(STANDIN_FAULTS as readonly string[]).includes(kind)) problems.push(`faults.${kind}: unknown fault kind; known: ${STANDIN_FAULTS.join(", ")}`);
        else if (typeof rate !== "number" || !(rate >= 0 && rate <= 1)) problems.push(`faults.${kind}: expected a rate from 0 to 1, got ${JSON.stringify(rate)}`);
        else total += rate;
      }
      if (total > 1 + 1e-9) problems.push(`faults: the rates add up to ${total}, more than 1`);
    }
  }
  if (o.script !== undefined) {
    if (!Array.isArray(o.script)) problems.push('script: expected a list such as ["503", "ok"]');
    else
      o.script.forEach((item, i) => {
        if (item !== "ok" && !(STANDIN_FAULTS as readonly unknown[]).includes(item)) {
          problems.push(`script[${i}]: expected "ok" or one of ${STANDIN_FAULTS.join(", ")}, got ${JSON.stringify(item)}`);
        }
      });
  }
  return problems;
}

/** mulberry32: a tiny seeded PRNG, enough for fault dice. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Protobuf Duration JSON, as in Google's RetryInfo: "1.5s", "0.1s", "60s". */
export function formatRetryDelay(ms: number): string {
  return `${Number((Math.max(0, ms) / 1000).toFixed(3))}s`;
}

export async function startStandin(options: StandinOptions = {}): Promise<Standin> {
  const problems = validateStandinOptions(options);
  if (problems.length) throw new Error(`invalid Gemini stand-in options:\n${problems.join("\n")}`);
  const host = options.host ?? "127.0.0.1";
  let config: StandinConfig = { ...DEFAULT_CONFIG };
  let random = seededRandom(config.seed);
  let script: StandinScriptItem[] = [];
  let window: number[] = [];
  // The token bucket of rpmBurst mode: tokens on hand as of refilledAt.
  let tokens = 0;
  let refilledAt = 0;
  let log: StandinRequest[] = [];
  let dropped = 0;
  let stats: StandinStats = emptyStats();
  const timers = new Set<NodeJS.Timeout>();

  const fillBucket = () => {
    tokens = config.rpmBurst;
    refilledAt = Date.now();
  };
  const configure = (next: Omit<StandinOptions, "port" | "host">) => {
    const bad = validateStandinOptions(next);
    if (bad.length) throw new Error(`invalid Gemini stand-in options:\n${bad.join("\n")}`);
    const { port: _port, host: _host, ...knobs } = next as StandinOptions;
    config = { ...config, ...definedOnly(knobs) };
    if (next.faults !== undefined) config.faults = { ...next.faults };
    if (next.seed !== undefined) random = seededRandom(config.seed);
    if (next.script !== undefined) script = [...next.script];
    config.script = script;
    if (next.rpm !== undefined || next.rpmBurst !== undefined) fillBucket();
  };
  const reset = () => {
    stats = emptyStats();
    log = [];
    dropped = 0;
    script = [];
    config.script = script;
    window = [];
    fillBucket();
    random = seededRandom(config.seed);
  };
  configure(options);

  const count = (outcome: StandinOutcome) => {
    if (outcome === "ok") stats.answered++;
    else stats.faults[outcome] = (stats.faults[outcome] ?? 0) + 1;
  };

  /** Rate limit, then script, then dice; returns the outcome and, when rate-limited, how long until a slot frees. */
  const decide = (now: number): { outcome: StandinOutcome; waitMs?: number } => {
    if (config.rpm > 0 && config.rpmBurst > 0) {
      const perMs = config.rpm / WINDOW_MS;
      tokens = Math.min(config.rpmBurst, tokens + (now - refilledAt) * perMs);
      refilledAt = now;
      if (tokens < 1) return { outcome: "rate_limited", waitMs: Math.ceil((1 - tokens) / perMs) };
      tokens -= 1;
    } else if (config.rpm > 0) {
      while (window.length > 0 && (window[0] ?? 0) <= now - WINDOW_MS) window.shift();
      if (window.length >= config.rpm) return { outcome: "rate_limited", waitMs: (window[0] ?? now) + WINDOW_MS - now };
      window.push(now);
    }
    const roll = random(); // one roll per admitted request, scripted or not, so a script does not shift the dice
    const scripted = script.shift();
    if (scripted) return { outcome: scripted };
    let acc = 0;
    for (const kind of STANDIN_FAULTS) {
      acc += config.faults[kind] ?? 0;
      if (roll < acc) return { outcome: kind };
    }
    return { outcome: "ok" };
  };

  const wait = (ms: number) =>
    ms <= 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const timer = setTimeout(() => (timers.delete(timer), resolve()), ms);
          timers.add(timer);
        });

  const handleModel = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    stats.requests++;
    const route = MODEL_ROUTE.exec(path);
    if (req.method !== "POST" || !route || route[2] !== "generateContent") {
      stats.rejected++;
      const what = route ? `method ${route[2]} is not served by the stand-in (only generateContent)` : `no such path ${path}`;
      return sendError(res, 404, "NOT_FOUND", `${req.method} ${what}; POST /v1beta/models/{model}:generateContent`);
    }
    const model = route[1] ?? "";
    const parsed = parseModelRequest(await readBody(req), model);
    if (typeof parsed === "string") {
      stats.rejected++;
      return sendError(res, 400, "INVALID_ARGUMENT", parsed);
    }
    const now = Date.now();
    const { outcome, waitMs } = decide(now);
    count(outcome);
    if (log.length >= REQUEST_LOG_CAP) {
      log.shift();
      dropped++;
    }
    log.push({ ...parsed, outcome, receivedAt: now });
    // A rate limiter turns a request away before any generation: only answered requests take the latency.
    await wait(outcome === "rate_limited" ? 0 : config.latencyMs);
    if (res.destroyed || req.socket.destroyed) return;
    answer(req, res, parsed, outcome, waitMs ?? config.retryDelayMs, config.rpm);
  };

  const handleAdmin = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    const route = `${req.method} ${path}`;
    if (route === "GET /__standin/stats") return sendJson(res, 200, stats);
    if (route === "GET /__standin/config") return sendJson(res, 200, config);
    if (route === "GET /__standin/requests") return sendJson(res, 200, { requests: log, dropped });
    if (route === "POST /__standin/reset") return (reset(), sendJson(res, 200, stats));
    if (route === "POST /__standin/config") {
      let body: unknown;
      try {
        body = JSON.parse((await readBody(req)).toString("utf8"));
      } catch (err) {
        return sendError(res, 400, "INVALID_ARGUMENT", `POST /__standin/config: the body is not JSON (${(err as Error).message})`);
      }
      const bad = validateStandinOptions(body);
      if (bad.length) return sendError(res, 400, "INVALID_ARGUMENT", `POST /__standin/config: ${bad.join("; ")}`);
      configure(body as StandinOptions);
      return sendJson(res, 200, config);
    }
    return sendError(res, 404, "NOT_FOUND", `${route}: unknown admin route; use GET stats|config|requests, POST config|reset under /__standin/`);
  };

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://standin").pathname;
    const handler = path.startsWith("/__standin/") ? handleAdmin : handleModel;
    handler(req, res, path).catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) sendError(res, 500, "INTERNAL", `stand-in failure: ${(err as Error).message}`);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) =>
      reject(new Error(`the Gemini stand-in could not listen on ${host}:${options.port ?? 0}: ${err.message}; pick another port (0 picks a free one)`)),
    );
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  return {
    url,
    stats: () => structuredClone(stats),
    configure,
    config: () => structuredClone(config),
    requests: () => structuredClone(log),
    reset,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function emptyStats(): StandinStats {
  return { requests: 0, answered: 0, faults: {}, rejected: 0 };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on("end", () => resolve(size > MAX_BODY_BYTES ? Buffer.alloc(0) : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** The request's prompts and config, or a Google-style INVALID_ARGUMENT message. */
function parseModelRequest(body: Buffer, model: string): StandinPrompt | string {
  if (body.length === 0) return `the request body is empty or larger than ${MAX_BODY_BYTES} bytes; send {"contents":[{"role":"user","parts":[{"text":"..."}]}]}`;
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch (err) {
    return `Invalid JSON payload received: ${(err as Error).message}`;
  }
  if (!json || typeof json !== "object" || Array.isArray(json)) return "Invalid JSON payload received: expected an object";
  const { contents, systemInstruction, generationConfig } = json as Record<string, unknown>;
  if (!Array.isArray(contents) || contents.length === 0) return "* GenerateContentRequest.contents: contents is not specified";
  const config = generationConfig && typeof generationConfig === "object" && !Array.isArray(generationConfig) ? (generationConfig as Record<string, unknown>) : {};
  return { model, systemPrompt: textOf(systemInstruction), userPrompt: contents.map(textOf).join("\n"), generationConfig: config };
}

/** Concatenated text parts of a Content (or a bare string, which some clients send as systemInstruction). */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  const parts = content && typeof content === "object" ? (content as { parts?: unknown }).parts : undefined;
  if (!Array.isArray(parts)) return "";
  return parts.map((p) => (p && typeof p === "object" && typeof (p as { text?: unknown }).text === "string" ? (p as { text: string }).text : "")).join("");
}

function answer(req: IncomingMessage, res: ServerResponse, prompt: StandinPrompt, outcome: StandinOutcome, retryDelayMs: number, rpm: number): void {
  const promptTokenCount = estimateTokens(prompt.systemPrompt) + estimateTokens(prompt.userPrompt);
  const usage = (text: string) => {
    const candidatesTokenCount = estimateTokens(text);
    return { promptTokenCount, candidatesTokenCount, totalTokenCount: promptTokenCount + candidatesTokenCount };
  };
  const candidate = (text: string, finishReason: string) => ({ content: { parts: [{ text }], role: "model" }, finishReason, index: 0 });
  const blockedRatings = [{ category: "HARM_CATEGORY_DANGEROUS_CONTENT", probability: "HIGH", blocked: true }];
  switch (outcome) {
    case "ok": {
      const text = buildStandinReply(prompt);
      return sendJson(res, 200, { candidates: [candidate(text, "STOP")], usageMetadata: usage(text), modelVersion: prompt.model });
    }
    case "max_tokens": {
      const full = buildStandinReply(prompt);
      const text = full.slice(0, Math.max(1, Math.ceil(full.length / 2)));
      return sendJson(res, 200, { candidates: [candidate(text, "MAX_TOKENS")], usageMetadata: usage(text), modelVersion: prompt.model });
    }
    case "rate_limited":
      return sendRetryable429(res, `Resource has been exhausted: quota of ${rpm} requests per minute reached. [stand-in rate limit]`, retryDelayMs);
    case "429":
      return sendRetryable429(res, "Resource has been exhausted (e.g. check quota). [stand-in injected fault]", retryDelayMs);
    case "400":
      return sendError(res, 400, "INVALID_ARGUMENT", "Request contains an invalid argument. [stand-in injected fault]");
    case "403":
      return sendError(res, 403, "PERMISSION_DENIED", "Permission denied on the model. [stand-in injected fault]");
    case "404":
      return sendError(res, 404, "NOT_FOUND", "The model was not found. [stand-in injected fault]");
    case "500":
      return sendError(res, 500, "INTERNAL", "An internal error has occurred. [stand-in injected fault]");
    case "503":
      return sendError(res, 503, "UNAVAILABLE", "The model is overloaded. Please try again later. [stand-in injected fault]");
    case "504":
      return sendError(res, 504, "DEADLINE_EXCEEDED", "The request timed out. Please try again. [stand-in injected fault]");
    case "malformed":
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      res.end('{"candidates":[{"content":{"parts":[{"text":"[stand-in injected fault: this body is cut short');
      return;
    case "safety":
      return sendJson(res, 200, {
        candidates: [{ finishReason: "SAFETY", index: 0, safetyRatings: blockedRatings }],
        usageMetadata: { promptTokenCount, candidatesTokenCount: 0, totalTokenCount: promptTokenCount },
      });
    case "blocked":
      return sendJson(res, 200, {
        promptFeedback: { blockReason: "SAFETY", safetyRatings: blockedRatings },
        usageMetadata: { promptTokenCount, candidatesTokenCount: 0, totalTokenCount: promptTokenCount },
      });
    case "empty":
      return sendJson(res, 200, { candidates: [], usageMetadata: { promptTokenCount, candidatesTokenCount: 0, totalTokenCount: promptTokenCount } });
    case "reset":
      req.socket.destroy();
      return;
  }
}

function sendRetryable429(res: ServerResponse, message: string, retryDelayMs: number): void {
  const details = [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: formatRetryDelay(retryDelayMs) }];
  sendError(res, 429, "RESOURCE_EXHAUSTED", message, details, { "retry-after": String(Math.max(1, Math.ceil(retryDelayMs / 1000))) });
}

function sendError(res: ServerResponse, code: number, status: string, message: string, details?: unknown[], headers: Record<string, string> = {}): void {
  sendJson(res, code, { error: { code, message, status, ...(details ? { details } : {}) } }, headers);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}
