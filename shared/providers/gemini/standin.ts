// The stand-in's Gemini protocol: generateContent as the Gemini API serves it, POST /v1beta/models/{model}:generateContent
// (v1 and v1alpha too). Vertex AI serves the same bodies on its own path (../vertex/standin.ts builds on this).
//
// Errors use Google's shape {error:{code,message,status}}; a 429 carries a RetryInfo delay and Retry-After. A request
// whose thinkingConfig asks for thinking (a thinkingLevel, or a thinkingBudget other than 0) is billed thoughtsTokenCount;
// the cachedTokens knob is reported as cachedContentTokenCount (part of promptTokenCount, as Gemini counts it).
// insufficient_quota: Gemini documents no out-of-credits answer, so it is the 429 of a spent quota, with its delay.
// Local code: the offline stand-in loads it (local/standin/standin-server.ts); the deployed bundle never does.
import {
  answerText,
  contentText,
  estimateUsage,
  STANDIN_THOUGHT,
  googleError,
  isObject,
  MALFORMED_MARKER,
  retryHeaders,
  type AnswerContext,
  type StandinAnswer,
  type StandinProtocol,
  type StandinProtocolName,
  type StandinRouteMatch,
} from "../../../local/standin/standin-protocol";
import { estimateTokens, type StandinPrompt } from "../../../local/standin/standin-reply";
import { createGeminiBatchRoutes } from "./standin-batch";

const FAULT_MESSAGES: Record<string, string> = {
  "400": "Request contains an invalid argument.",
  "403": "Permission denied on the model.",
  "404": "The model was not found.",
  "500": "An internal error has occurred.",
  "503": "The model is overloaded. Please try again later.",
  "504": "The request timed out. Please try again.",
  "529": "The service is overloaded.",
};

/** Protobuf Duration JSON, as in Google's RetryInfo: "1.5s", "0.1s", "60s". */
export function formatRetryDelay(ms: number): string {
  return `${Number((Math.max(0, ms) / 1000).toFixed(3))}s`;
}

function retryable429(message: string, retryDelayMs: number): StandinAnswer {
  const details = [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: formatRetryDelay(retryDelayMs) }];
  return googleError(429, message, details, { "retry-after": retryHeaders(retryDelayMs)["retry-after"]! });
}

function parse(json: Record<string, unknown>, pathModel: string | undefined): StandinPrompt | string {
  const { contents, systemInstruction, generationConfig } = json;
  if (!Array.isArray(contents) || contents.length === 0) return "* GenerateContentRequest.contents: contents is not specified";
  const config = isObject(generationConfig) ? generationConfig : {};
  return {
    model: pathModel ?? "",
    systemPrompt: textOf(systemInstruction),
    userPrompt: contents.map(textOf).join("\n"),
    generationConfig: config,
  };
}

/** Whether the request asks the model to think: thinkingBudget 0 turns thinking off, anything else in thinkingConfig asks. */
function asksForThinking(prompt: StandinPrompt): boolean {
  const thinking = prompt.generationConfig.thinkingConfig;
  if (!isObject(thinking)) return false;
  return thinking.thinkingLevel !== undefined || (thinking.thinkingBudget !== undefined && thinking.thinkingBudget !== 0);
}

/** Gemini's usageMetadata for an answer of `text`: thoughts and cached content when asked for, omitted at zero as Gemini does. */
function usageMetadata(prompt: StandinPrompt, text: string, ctx: AnswerContext): Record<string, number> {
  const tokens = estimateUsage(prompt, text, ctx);
  const thoughts = text && asksForThinking(prompt) ? estimateTokens(STANDIN_THOUGHT) : 0;
  return {
    promptTokenCount: tokens.prompt,
    candidatesTokenCount: tokens.output,
    totalTokenCount: tokens.prompt + tokens.output + thoughts,
    ...(thoughts > 0 ? { thoughtsTokenCount: thoughts } : {}),
    ...(tokens.cached > 0 ? { cachedContentTokenCount: tokens.cached } : {}),
  };
}

/** Concatenated text parts of a Content (or a bare string, which some clients send as systemInstruction). */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  return contentText(isObject(content) ? content.parts : undefined);
}

/** A Google path (`route`'s groups: the model, then the method) answered for generateContent only. */
function googleRoute(route: RegExp): StandinProtocol["match"] {
  return (method, path): StandinRouteMatch | undefined => {
    const google = route.exec(path);
    if (!google) return undefined;
    if (method !== "POST" || google[2] !== "generateContent")
      return { refused: `${method} method ${google[2]} is not served by the stand-in (only generateContent)` };
    return { model: google[1] ?? "" };
  };
}

/** Gemini's generateContent on `path` (as the 404 lists it), matched by `route`. */
export function createGeminiProtocol(name: StandinProtocolName, path: string, route: RegExp): StandinProtocol {
  return {
    name,
    path,
    match: googleRoute(route),
    parse,
    error: (status, message, headers) => googleError(status, message, undefined, headers),
    answer(prompt, outcome, ctx) {
      const usage = (text: string) => usageMetadata(prompt, text, ctx);
      const promptOnly = usage("");
      const candidate = (text: string, finishReason: string) => ({ content: { parts: [{ text }], role: "model" }, finishReason, index: 0 });
      const blockedRatings = [{ category: "HARM_CATEGORY_DANGEROUS_CONTENT", probability: "HIGH", blocked: true }];
      const suffix = " [stand-in injected fault]";
      switch (outcome) {
        case "ok":
        case "max_tokens": {
          const text = answerText(prompt, outcome, ctx);
          return {
            status: 200,
            body: {
              candidates: [candidate(text, outcome === "ok" ? "STOP" : "MAX_TOKENS")],
              usageMetadata: usage(text),
              modelVersion: prompt.model,
            },
          };
        }
        case "rate_limited":
          return retryable429(
            `Resource has been exhausted: quota of ${ctx.rpm} requests per minute reached. [stand-in rate limit]`,
            ctx.retryDelayMs,
          );
        case "429":
          return retryable429(`Resource has been exhausted (e.g. check quota).${suffix}`, ctx.retryDelayMs);
        case "insufficient_quota":
          return retryable429(`You exceeded your current quota, please check your plan and billing details.${suffix}`, ctx.retryDelayMs);
        case "malformed":
          return { status: 200, body: undefined, raw: `{"candidates":[{"content":{"parts":[{"text":"${MALFORMED_MARKER}` };
        case "safety":
          return {
            status: 200,
            body: { candidates: [{ finishReason: "SAFETY", index: 0, safetyRatings: blockedRatings }], usageMetadata: promptOnly },
          };
        case "blocked":
          return {
            status: 200,
            body: { promptFeedback: { blockReason: "SAFETY", safetyRatings: blockedRatings }, usageMetadata: promptOnly },
          };
        case "empty":
          return { status: 200, body: { candidates: [], usageMetadata: promptOnly } };
        case "reset":
          return "reset";
        default:
          return googleError(Number(outcome), `${FAULT_MESSAGES[outcome] ?? "Injected error."}${suffix}`);
      }
    },
  };
}

export const protocol = createGeminiProtocol(
  "gemini",
  "/v1beta/models/{model}:generateContent",
  /^\/(?:v1beta|v1|v1alpha)\/models\/([A-Za-z0-9][A-Za-z0-9._-]*):([A-Za-z]+)$/,
);

/** Its Batch Mode (standin-batch.ts): the stand-in loads it as this module's `batch`. */
export const batch = createGeminiBatchRoutes(protocol);
