// One wire protocol the stand-in speaks: how it reads a request and writes each outcome (answer or fault) back.
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
] as const;
/**
 * 400/403/404/429/500/503/504/529: the protocol's error JSON with that status (529 is Anthropic's "overloaded").
 * malformed: 200 whose body is not JSON. safety: 200 with the protocol's safety stop and no text. blocked: 200
 * refusing the prompt itself. empty: 200 with no answer at all. reset: the socket is destroyed without an answer.
 * max_tokens: 200 with half the text, stopped at the output limit. What each looks like per protocol: its module.
 */
export type StandinFault = (typeof STANDIN_FAULTS)[number];
/** A scripted outcome: a fault, "ok", or an answer given word for word (`{ "text": "<answer>FUNNY</answer>" }`). */
export type StandinScriptItem = StandinFault | "ok" | { text: string };
export type StandinOutcome = StandinFault | "ok" | "rate_limited";

export type StandinProtocolName = "gemini" | "vertex" | "anthropic" | "openai";

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
  /** A scripted answer's text, instead of the echo. */
  text?: string;
}

export interface StandinProtocol {
  readonly name: StandinProtocolName;
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

/** The stand-in's usage estimate: about four characters a token, prompt and answer apart. */
export function estimateUsage(prompt: StandinPrompt, answer: string): { prompt: number; output: number } {
  return { prompt: estimateTokens(prompt.systemPrompt) + estimateTokens(prompt.userPrompt), output: estimateTokens(answer) };
}

/** Retry-After in whole seconds (rounded up, at least 1) and, for the SDKs that read it, in milliseconds. */
export function retryHeaders(retryDelayMs: number): Record<string, string> {
  return {
    "retry-after": String(Math.max(1, Math.ceil(retryDelayMs / 1000))),
    "retry-after-ms": String(Math.max(0, Math.round(retryDelayMs))),
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
