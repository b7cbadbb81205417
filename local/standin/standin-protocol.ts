// One wire protocol the stand-in speaks: which requests are its own, how it reads one and writes each outcome (answer
// or fault) back. Each provider's is its folder's standin.ts (shared/providers/<name>/standin.ts), exporting `protocol`;
// the stand-in server loads them by the registry's names. What they share is here.
import type { ProviderName } from "../../shared/providers/registry";
import { buildStandinReply, estimateTokens, type StandinPrompt } from "./standin-reply";

export const STANDIN_FAULTS = [
  "400",
  "403",
  "404",
  "429",
  "500",
  "503",
  "504",
  "529",
  "malformed",
  "safety",
  "blocked",
  "empty",
  "reset",
  "max_tokens",
  "insufficient_quota",
] as const;
/**
 * 400/403/404/429/500/503/504/529: the protocol's error JSON with that status (529 is Anthropic's "overloaded").
 * malformed: 200 whose body is not JSON. safety: 200 with the protocol's safety stop and no text. blocked: 200
 * refusing the prompt itself. empty: 200 with no answer at all. reset: the socket is destroyed without an answer.
 * max_tokens: 200 with half the text, stopped at the output limit. insufficient_quota: the vendor's answer to an
 * account out of credits (OpenAI's 429 insufficient_quota, Claude's 400 "credit balance is too low"; Gemini documents
 * none, so its protocols answer a spent quota's 429). What each looks like per protocol: its module.
 */
export type StandinFault = (typeof STANDIN_FAULTS)[number];
/** A scripted outcome: a fault, "ok", or an answer given word for word (`{ "text": "<answer>FUNNY</answer>" }`). */
export type StandinScriptItem = StandinFault | "ok" | { text: string };
export type StandinOutcome = StandinFault | "ok" | "rate_limited";

/** A protocol is named after its provider. */
export type StandinProtocolName = ProviderName;

export interface StandinAnswer {
  status: number;
  /** A JSON body, or `raw` text sent as it is (the malformed fault). */
  body: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

export interface AnswerContext {
  /** The wait a 429 advertises. */
  retryDelayMs: number;
  /** The limit a rate-limited 429 names. */
  rpm: number;
  /** Prompt tokens to report as read from the cache (the cachedTokens knob); at most the prompt's. */
  cachedTokens?: number;
  /** A scripted answer's text, instead of the echo. */
  text?: string;
}

/** A request on a protocol's path: the model when the path names it, or why the stand-in will not serve it there. */
export type StandinRouteMatch = { model?: string } | { refused: string };

export interface StandinProtocol {
  readonly name: StandinProtocolName;
  /** The path it answers, as the stand-in's 404 lists it: `/v1/messages`. */
  readonly path: string;
  /** The request as this protocol's, or undefined when its path is another's. */
  match(method: string | undefined, path: string): StandinRouteMatch | undefined;
  /** The prompt of a parsed JSON body, or the message of a 400 in this protocol's words. `model` comes from the path where the protocol puts it there. */
  parse(json: Record<string, unknown>, pathModel: string | undefined): StandinPrompt | string;
  /** The reply for an outcome; "reset" destroys the socket instead. */
  answer(prompt: StandinPrompt, outcome: StandinOutcome, ctx: AnswerContext): StandinAnswer | "reset";
  /** An error reply in this protocol's shape. */
  error(status: number, message: string, headers?: Record<string, string>): StandinAnswer;
}

/** The text an answering outcome carries: the scripted text, else the deterministic reply; cut in half for max_tokens. */
export function answerText(prompt: StandinPrompt, outcome: StandinOutcome, ctx: AnswerContext): string {
  const full = ctx.text ?? buildStandinReply(prompt);
  return outcome === "max_tokens" ? full.slice(0, Math.max(1, Math.ceil(full.length / 2))) : full;
}

/**
 * The stand-in's usage estimate: about four characters a token, prompt and answer apart; `cached` is the part of the
 * prompt the cachedTokens knob says was read from the cache.
 */
export function estimateUsage(
  prompt: StandinPrompt,
  answer: string,
  ctx?: Pick<AnswerContext, "cachedTokens">,
): { prompt: number; output: number; cached: number } {
  const promptTokens = estimateTokens(prompt.systemPrompt) + estimateTokens(prompt.userPrompt);
  return { prompt: promptTokens, output: estimateTokens(answer), cached: Math.min(ctx?.cachedTokens ?? 0, promptTokens) };
}

/** What a request that asks for thinking is billed for it: the tokens of a short stand-in thought. */
export const STANDIN_THOUGHT = "[stand-in thinking]";

/** Retry-After in whole seconds (rounded up, at least 1) and, for the SDKs that read it, in milliseconds. */
export function retryHeaders(retryDelayMs: number): Record<string, string> {
  return {
    "retry-after": String(Math.max(1, Math.ceil(retryDelayMs / 1000))),
    "retry-after-ms": String(Math.max(0, Math.round(retryDelayMs))),
  };
}

/** Google's canonical status names: the Gemini protocols' errors, and the stand-in's own (unknown paths, admin API). */
const GOOGLE_STATUS: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
  529: "UNAVAILABLE",
};

/** An error in Google's shape {error:{code,message,status}}: the Gemini protocols' and the stand-in's own. */
export function googleError(status: number, message: string, details?: unknown[], headers: Record<string, string> = {}): StandinAnswer {
  return {
    status,
    body: { error: { code: status, message, status: GOOGLE_STATUS[status] ?? "UNKNOWN", ...(details ? { details } : {}) } },
    headers,
  };
}

export const MALFORMED_MARKER = "[stand-in injected fault: this body is cut short";

/** Concatenated text of message content: a string, or a list of `{ type: "text", text }` blocks. */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((block) =>
      block && typeof block === "object" && typeof (block as { text?: unknown }).text === "string" ? (block as { text: string }).text : "",
    )
    .join("");
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
