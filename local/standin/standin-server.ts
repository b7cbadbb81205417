// An HTTP server speaking every provider's wire protocol (Gemini's generateContent on the Gemini API's and Vertex AI's
// paths, Anthropic's Messages API, OpenAI's Chat Completions), with latency, rate-limit, fault and script knobs, for
// offline runs and tests.
//
// Each protocol is its provider's module, shared/providers/<name>/standin.ts, loaded by the registry's names (a
// provider added there is served here): it says which paths are its own (a request on no protocol's path is a 404
// listing them), reads the request, and wraps the answer in its vendor's shape. Answers are built by standin-reply.ts
// (plain text is `[stand-in MODEL] USER_PROMPT`; JSON mode gives valid JSON). Usage is estimated at four characters a
// token.
// Usage is estimated at four characters a token.
//
// Each request is decided when its body has been read, in this order: rate limit (sliding 60 s window of admitted
// requests, or with `rpmBurst` a token bucket; 429 with the protocol's retry hints), then the next `script` item,
// then the seeded fault dice; then it waits `latencyMs` and answers. The knobs are shared by every protocol.
//
// Admin API, so that another process (a test, a bench) can drive a stand-in it did not start:
//   GET  /__standin/stats     counts              GET  /__standin/config   current knobs
//   POST /__standin/config    JSON body = the same options as configure(); keys given replace the current ones
//   POST /__standin/reset     clears stats, request log, script and rate window; re-seeds the dice
//   GET  /__standin/requests  {requests:[{protocol,path,model,systemPrompt,userPrompt,generationConfig,outcome,receivedAt}], dropped}
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { PROVIDERS } from "../../shared/providers/registry";
import {
  googleError,
  STANDIN_FAULTS,
  type StandinAnswer,
  type StandinFault,
  type StandinOutcome,
  type StandinProtocol,
  type StandinProtocolName,
  type StandinScriptItem,
} from "./standin-protocol";
import type { StandinPrompt } from "./standin-reply";
import {
  DEFAULT_BATCH_KNOBS,
  StandinBatches,
  type BatchDecider,
  type BatchKnobs,
  type StandinBatchEnv,
  type StandinBatchRoutes,
} from "./standin-batches";

export {
  STANDIN_FAULTS,
  type StandinFault,
  type StandinOutcome,
  type StandinProtocolName,
  type StandinScriptItem,
} from "./standin-protocol";

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
  /**
   * Outcomes consumed one per request before the dice: ["503", "503", "ok"] fails the next two requests; an item
   * `{ "text": "..." }` answers with that text instead of the echo (for extraction rules, say).
   */
  script?: StandinScriptItem[];
  /** Prompt tokens every answer reports as read from the prompt cache (at most the prompt's), in the protocol's field (default 0). */
  cachedTokens?: number;
  /** Vendor batch jobs (standin-batches.ts): a job ends this long after it is created (default 200 ms). */
  batchTurnaroundMs?: number;
  /** Vendor batch jobs stay pending and never end, until cancelled (default false). */
  batchStuck?: boolean;
  /** Vendor batch jobs end expired at their turnaround, none of their requests run (default false). */
  batchExpire?: boolean;
  /** Fraction (0..1) of an ended batch job's requests not run: partial results (default 0). */
  batchPartial?: number;
}

export type StandinConfig = Required<Omit<StandinOptions, "port" | "host">>;

export interface StandinStats {
  requests: number;
  answered: number;
  faults: Partial<Record<StandinFault | "rate_limited", number>>;
  /** Requests answered 400 or 404 (bad body, unknown path). */
  rejected: number;
  /** Vendor batch jobs created, and the requests they ran (each also counted in `answered` or `faults`). */
  batchJobs: number;
  batchRequests: number;
}

export interface StandinRequest {
  /** Which API the request came in through, and the path it was posted to (a Vertex AI path names project and location). */
  protocol: StandinProtocolName;
  path: string;
  model: string;
  systemPrompt: string;
  userPrompt: string;
  /** The generation parameters as sent: Gemini's generationConfig, or the Messages / Chat Completions body less model, system and messages. */
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
const CONFIG_KEYS = [
  "latencyMs",
  "rpm",
  "rpmBurst",
  "faults",
  "seed",
  "retryDelayMs",
  "script",
  "cachedTokens",
  "batchTurnaroundMs",
  "batchStuck",
  "batchExpire",
  "batchPartial",
] as const;
const DEFAULT_CONFIG: StandinConfig = {
  latencyMs: 0,
  rpm: 0,
  rpmBurst: 0,
  faults: {},
  seed: 1,
  retryDelayMs: 100,
  script: [],
  cachedTokens: 0,
  ...DEFAULT_BATCH_KNOBS,
};

interface LoadedProtocol {
  protocol: StandinProtocol;
  /** Its vendor batch API, when its module exports one (`batch`). */
  batch?: StandinBatchRoutes | undefined;
}

let loadingProtocols: Promise<readonly LoadedProtocol[]> | undefined;

/**
 * Every provider's protocol, in registry order: its folder's standin.ts, loaded by name (the stand-in's bundle takes
 * every shared/providers/x/standin.ts). Loaded once per process.
 */
function loadProtocols(): Promise<readonly LoadedProtocol[]> {
  return (loadingProtocols ??= Promise.all(
    PROVIDERS.map(async (name) => {
      const module = (await import(`../../shared/providers/${name}/standin.ts`)) as {
        protocol?: StandinProtocol;
        batch?: StandinBatchRoutes;
      };
      if (module.protocol?.name !== name) throw new Error(`shared/providers/${name}/standin.ts exports no protocol named ${name}`);
      return { protocol: module.protocol, batch: module.batch };
    }),
  ));
}

/** The protocol a model request's path names, with the model when the path holds it; or why none does. */
function matchRoute(
  protocols: readonly StandinProtocol[],
  method: string | undefined,
  path: string,
): { protocol: StandinProtocol; model?: string } | string {
  const paths = () => {
    const all = protocols.map((protocol) => protocol.path);
    return `POST ${all.slice(0, -1).join(", ")} or ${all.at(-1)}`;
  };
  for (const protocol of protocols) {
    const matched = protocol.match(method, path);
    if (!matched) continue;
    return "refused" in matched ? `${matched.refused}; ${paths()}` : { protocol, ...matched };
  }
  return `${method} no such path ${path}; ${paths()}`;
}

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
  count("cachedTokens", o.cachedTokens, true);
  count("batchTurnaroundMs", o.batchTurnaroundMs, false);
  problems.push(...batchKnobProblems(o));
  if (o.seed !== undefined && (typeof o.seed !== "number" || !Number.isInteger(o.seed)))
    problems.push(`seed: expected a whole number, got ${JSON.stringify(o.seed)}`);
  if (o.faults !== undefined) {
    if (!o.faults || typeof o.faults !== "object" || Array.isArray(o.faults))
      problems.push('faults: expected an object of fault kind to rate, e.g. {"503": 0.1}');
    else {
      let total = 0;
      for (const [kind, rate] of Object.entries(o.faults)) {
        if (!(STANDIN_FAULTS as readonly string[]).includes(kind))
          problems.push(`faults.${kind}: unknown fault kind; known: ${STANDIN_FAULTS.join(", ")}`);
        else if (typeof rate !== "number" || !(rate >= 0 && rate <= 1))
          problems.push(`faults.${kind}: expected a rate from 0 to 1, got ${JSON.stringify(rate)}`);
        else total += rate;
      }
      if (total > 1 + 1e-9) problems.push(`faults: the rates add up to ${total}, more than 1`);
    }
  }
  if (o.script !== undefined) {
    if (!Array.isArray(o.script)) problems.push('script: expected a list such as ["503", "ok", {"text": "an answer"}]');
    else
      (o.script as unknown[]).forEach((item, i) => {
        const text =
          item !== null &&
          typeof item === "object" &&
          !Array.isArray(item) &&
          Object.keys(item).join() === "text" &&
          typeof (item as { text?: unknown }).text === "string";
        if (item !== "ok" && !text && !(STANDIN_FAULTS as readonly unknown[]).includes(item)) {
          problems.push(
            `script[${i}]: expected "ok", {"text": "an answer"} or one of ${STANDIN_FAULTS.join(", ")}, got ${JSON.stringify(item)}`,
          );
        }
      });
  }
  return problems;
}

function batchKnobProblems(o: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (o.batchPartial !== undefined && (typeof o.batchPartial !== "number" || !(o.batchPartial >= 0 && o.batchPartial <= 1)))
    problems.push(`batchPartial: expected a fraction from 0 to 1, got ${JSON.stringify(o.batchPartial)}`);
  for (const key of ["batchStuck", "batchExpire"] as const)
    if (o[key] !== undefined && typeof o[key] !== "boolean") problems.push(`${key}: expected true or false, got ${JSON.stringify(o[key])}`);
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

export async function startStandin(options: StandinOptions = {}): Promise<Standin> {
  const problems = validateStandinOptions(options);
  if (problems.length) throw new Error(`invalid stand-in options:\n${problems.join("\n")}`);
  const host = options.host ?? "127.0.0.1";
  const loaded = await loadProtocols();
  const protocols = loaded.map((p) => p.protocol);
  const state = new StandinState();
  state.configure(options);
  const delays = trackedDelays();
  const env: StandinBatchEnv = {
    batches: new StandinBatches(batchDecider(state), new Map(protocols.map((p) => [p.name, p]))),
    baseUrl: "",
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://standin");
    const path = url.pathname;
    const batch = loaded.find((p) => p.batch?.match(req.method ?? "", path))?.batch;
    const handled = path.startsWith("/__standin/")
      ? handleAdminRequest(state, req, res, path)
      : batch
        ? handleBatchRequest(batch, env, req, res, url)
        : handleModelRequest(state, protocols, delays.wait, req, res, path);
    handled.catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) send(res, googleError(500, `stand-in failure: ${(err as Error).message}`));
    });
  });
  const port = await listen(server, host, options.port ?? 0);
  env.baseUrl = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  return {
    url: env.baseUrl,
    stats: () => structuredClone(state.stats),
    configure: (next) => state.configure(next),
    config: () => structuredClone(state.config),
    requests: () => structuredClone(state.log),
    reset: () => state.reset(),
    close: () => closeServer(server, delays.clearAll),
  };
}

interface Decision {
  outcome: StandinOutcome;
  /** When rate-limited: how long until a slot frees. */
  waitMs?: number;
  /** A scripted answer's text. */
  text?: string;
}

/** The knobs, counts, request log and decision machinery (script, rate window or bucket, dice) of one stand-in. */
class StandinState {
  config: StandinConfig = { ...DEFAULT_CONFIG };
  stats: StandinStats = emptyStats();
  log: StandinRequest[] = [];
  /** Requests pushed out of the log by REQUEST_LOG_CAP. */
  dropped = 0;
  private random = seededRandom(DEFAULT_CONFIG.seed);
  private script: StandinScriptItem[] = [];
  private window: number[] = [];
  // The token bucket of rpmBurst mode: tokens on hand as of refilledAt.
  private tokens = 0;
  private refilledAt = 0;

  configure(next: Omit<StandinOptions, "port" | "host">): void {
    const bad = validateStandinOptions(next);
    if (bad.length) throw new Error(`invalid stand-in options:\n${bad.join("\n")}`);
    const { port: _port, host: _host, ...knobs } = next as StandinOptions;
    this.config = { ...this.config, ...definedOnly(knobs) };
    if (next.faults !== undefined) this.config.faults = { ...next.faults };
    if (next.seed !== undefined) this.random = seededRandom(this.config.seed);
    if (next.script !== undefined) this.script = [...next.script];
    // The config shows the very list requests consume, so GET config tells what is left of the script.
    this.config.script = this.script;
    if (next.rpm !== undefined || next.rpmBurst !== undefined) this.fillBucket();
  }

  reset(): void {
    this.stats = emptyStats();
    this.log = [];
    this.dropped = 0;
    this.script = [];
    this.config.script = this.script;
    this.window = [];
    this.fillBucket();
    this.random = seededRandom(this.config.seed);
  }

  /** Rate limit, then script, then dice. */
  decide(now: number): Decision {
    return this.rateLimit(now) ?? this.pickOutcome();
  }

  /** Counts the request's outcome and appends it to the log, dropping the oldest beyond REQUEST_LOG_CAP. */
  record(request: StandinRequest): void {
    const { outcome } = request;
    if (outcome === "ok") this.stats.answered++;
    else this.stats.faults[outcome] = (this.stats.faults[outcome] ?? 0) + 1;
    if (this.log.length >= REQUEST_LOG_CAP) {
      this.log.shift();
      this.dropped++;
    }
    this.log.push(request);
  }

  /** A rate_limited decision when the request is over the limit; undefined when it is admitted (and takes its slot). */
  private rateLimit(now: number): Decision | undefined {
    if (this.config.rpm > 0 && this.config.rpmBurst > 0) {
      const perMs = this.config.rpm / WINDOW_MS;
      this.tokens = Math.min(this.config.rpmBurst, this.tokens + (now - this.refilledAt) * perMs);
      this.refilledAt = now;
      if (this.tokens < 1) return { outcome: "rate_limited", waitMs: Math.ceil((1 - this.tokens) / perMs) };
      this.tokens -= 1;
    } else if (this.config.rpm > 0) {
      while (this.window.length > 0 && (this.window[0] ?? 0) <= now - WINDOW_MS) this.window.shift();
      if (this.window.length >= this.config.rpm) return { outcome: "rate_limited", waitMs: (this.window[0] ?? now) + WINDOW_MS - now };
      this.window.push(now);
    }
    return undefined;
  }

  /** One seeded roll in [0, 1) (a batch job's partial-results knob). */
  roll(): number {
    return this.random();
  }

  /** The next script item if any, else the fault dice (a batch job's request: never rate-limited). */
  pickOutcome(): Decision {
    const roll = this.random(); // one roll per admitted request, scripted or not, so a script does not shift the dice
    const scripted = this.script.shift();
    if (typeof scripted === "object") return { outcome: "ok", text: scripted.text };
    if (scripted) return { outcome: scripted };
    let acc = 0;
    for (const kind of STANDIN_FAULTS) {
      acc += this.config.faults[kind] ?? 0;
      if (roll < acc) return { outcome: kind };
    }
    return { outcome: "ok" };
  }

  private fillBucket(): void {
    this.tokens = this.config.rpmBurst;
    this.refilledAt = Date.now();
  }
}

async function handleModelRequest(
  state: StandinState,
  protocols: readonly StandinProtocol[],
  wait: (ms: number) => Promise<void>,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  state.stats.requests++;
  const route = matchRoute(protocols, req.method, path);
  if (typeof route === "string") {
    state.stats.rejected++;
    return send(res, googleError(404, route));
  }
  const parsed = parseModelRequest(route.protocol, await readBody(req), route.model);
  if (typeof parsed === "string") {
    state.stats.rejected++;
    return send(res, route.protocol.error(400, parsed));
  }
  const now = Date.now();
  const { outcome, waitMs, text } = state.decide(now);
  const { responseFormat: _format, ...logged } = parsed;
  state.record({ protocol: route.protocol.name, path, ...logged, outcome, receivedAt: now });
  // A rate limiter turns a request away before any generation: only answered requests take the latency.
  await wait(outcome === "rate_limited" ? 0 : state.config.latencyMs);
  if (res.destroyed || req.socket.destroyed) return;
  const { config } = state;
  const reply = route.protocol.answer(parsed, outcome, {
    retryDelayMs: waitMs ?? config.retryDelayMs,
    rpm: config.rpm,
    cachedTokens: config.cachedTokens,
    ...(text !== undefined ? { text } : {}),
  });
  if (reply === "reset") req.socket.destroy();
  else send(res, reply);
}

/** The stand-in's dice, script, log and stats, as a batch job's requests use them. */
function batchDecider(state: StandinState): BatchDecider {
  return {
    knobs: (): BatchKnobs => {
      const { batchTurnaroundMs, batchStuck, batchExpire, batchPartial } = state.config;
      return { batchTurnaroundMs, batchStuck, batchExpire, batchPartial };
    },
    decide: () => state.pickOutcome(),
    roll: () => state.roll(),
    created: () => void state.stats.batchJobs++,
    record: (job, request, outcome) => {
      state.stats.requests++;
      state.stats.batchRequests++;
      const { responseFormat: _format, ...prompt } = request.prompt;
      state.record({ protocol: job.protocol, path: `batch:${job.id}`, ...prompt, outcome, receivedAt: Date.now() });
    },
    answerContext: () => ({ retryDelayMs: state.config.retryDelayMs, rpm: state.config.rpm, cachedTokens: state.config.cachedTokens }),
  };
}

/** A request on a protocol's batch routes: its body read, then its handler's answer (a job created counts in stats). */
async function handleBatchRequest(
  routes: StandinBatchRoutes,
  env: StandinBatchEnv,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const body = await readBody(req);
  const reply = await routes.handle(
    { method: req.method ?? "GET", path: url.pathname, query: url.searchParams, headers: req.headers, body },
    env,
  );
  send(res, reply);
}

async function handleAdminRequest(state: StandinState, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const route = `${req.method} ${path}`;
  if (route === "GET /__standin/stats") return sendJson(res, 200, state.stats);
  if (route === "GET /__standin/config") return sendJson(res, 200, state.config);
  if (route === "GET /__standin/requests") return sendJson(res, 200, { requests: state.log, dropped: state.dropped });
  if (route === "POST /__standin/reset") return (state.reset(), sendJson(res, 200, state.stats));
  if (route === "POST /__standin/config") {
    let body: unknown;
    try {
      body = JSON.parse((await readBody(req)).toString("utf8"));
    } catch (err) {
      return send(res, googleError(400, `POST /__standin/config: the body is not JSON (${(err as Error).message})`));
    }
    const bad = validateStandinOptions(body);
    if (bad.length) return send(res, googleError(400, `POST /__standin/config: ${bad.join("; ")}`));
    state.configure(body as StandinOptions);
    return sendJson(res, 200, state.config);
  }
  return send(res, googleError(404, `${route}: unknown admin route; use GET stats|config|requests, POST config|reset under /__standin/`));
}

/** setTimeout as a promise, remembering the pending timers so that close() can clear them. */
function trackedDelays(): { wait: (ms: number) => Promise<void>; clearAll: () => void } {
  const timers = new Set<NodeJS.Timeout>();
  const wait = (ms: number) =>
    ms <= 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const timer = setTimeout(() => (timers.delete(timer), resolve()), ms);
          timers.add(timer);
        });
  const clearAll = () => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  };
  return { wait, clearAll };
}

/** Listens on host:port (0 picks a free port) and resolves with the port taken. */
async function listen(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) =>
      reject(new Error(`the model stand-in could not listen on ${host}:${port}: ${err.message}; pick another port (0 picks a free one)`)),
    );
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

function closeServer(server: Server, clearTimers: () => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    clearTimers();
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}

function emptyStats(): StandinStats {
  return { requests: 0, answered: 0, faults: {}, rejected: 0, batchJobs: 0, batchRequests: 0 };
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

/** The request's prompts and config, or the message of a 400 in the protocol's words. */
function parseModelRequest(protocol: StandinProtocol, body: Buffer, pathModel: string | undefined): StandinPrompt | string {
  if (body.length === 0) return `the request body is empty or larger than ${MAX_BODY_BYTES} bytes`;
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch (err) {
    return `Invalid JSON payload received: ${(err as Error).message}`;
  }
  if (!json || typeof json !== "object" || Array.isArray(json)) return "Invalid JSON payload received: expected an object";
  return protocol.parse(json as Record<string, unknown>, pathModel);
}

function send(res: ServerResponse, answer: StandinAnswer): void {
  const text = answer.raw ?? JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...answer.headers,
  });
  res.end(text);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, { status, body });
}
