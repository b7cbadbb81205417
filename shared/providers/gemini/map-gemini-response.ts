// Pure conversions from what @google/generative-ai returns or throws to our ModelResult and ModelCallError.
import { settleTotal, usageDetails, type TokenUsage } from "../../models/token-usage";
import { ModelCallError, reasonText } from "../../models/model-call-error";
import type { ModelResult } from "../../models/model-provider";
import { isNetworkError, isObject, nameOf } from "../../models/vendor-helpers";

/**
 * Finish reasons that mean a filter stopped the answer. Such an answer is blocked even when some text
 * came before the stop: the text is cut at an arbitrary point (the SDK's own text() refuses it too).
 */
const FILTER_FINISH_REASONS = new Set(["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "LANGUAGE"]);
/** Reasons that are a refusal only when no text came: "OTHER" is Google's catch-all. */
const NO_TEXT_BLOCK_REASONS = new Set(["OTHER", "MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL"]);

/** Google's canonical status names for the HTTP codes its APIs use; the SDK drops the `status` field of the error body. */
const GOOGLE_STATUS: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ABORTED",
  429: "RESOURCE_EXHAUSTED",
  499: "CANCELLED",
  500: "INTERNAL",
  501: "UNIMPLEMENTED",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

/** What to do about an HTTP error, by status. */
const HTTP_HINTS: Record<number, string> = {
  400: "check the step's parameters and prompts",
  401: "check GEMINI_API_KEY",
  403: "check that GEMINI_API_KEY is valid and allowed to use this model",
  404: "check the model name in the model table (LLM_MODEL_TABLE) and GEMINI_BASE_URL",
  429: "the quota or rate limit was hit: retry later or send fewer requests a minute",
};

export function googleStatusFor(httpStatus: number): string {
  return GOOGLE_STATUS[httpStatus] ?? (httpStatus >= 500 ? "INTERNAL" : httpStatus >= 400 ? "FAILED_PRECONDITION" : "UNKNOWN");
}

/**
 * Gemini's usageMetadata (the Gemini API's and Vertex AI's alike) to our token counts. promptTokenCount already holds
 * cachedContentTokenCount; toolUsePromptTokenCount is apart from it and billed as input, so the prompt is both; thinking
 * (thoughtsTokenCount) is billed as output, so the output is candidates and thoughts. Gemini's totalTokenCount is
 * their sum; a missing count (Gemini omits zeros) is 0.
 */
export function mapGeminiUsage(usage: unknown): TokenUsage {
  const u = isObject(usage) ? usage : {};
  const num = (key: string) => (typeof u[key] === "number" && Number.isFinite(u[key]) ? u[key] : 0);
  const toolUse = num("toolUsePromptTokenCount");
  const thinking = num("thoughtsTokenCount");
  const counts = settleTotal(num("promptTokenCount") + toolUse, num("candidatesTokenCount") + thinking, num("totalTokenCount"));
  return {
    ...counts,
    ...usageDetails({ cached_tokens: num("cachedContentTokenCount"), tool_use_prompt_tokens: toolUse, thinking_tokens: thinking }),
  };
}

/** Gemini's finishReason as we record it, with whether it means a filter stopped the answer. */
export function mapGeminiFinishReason(reason: unknown): { finishReason: string; filtered: boolean } {
  const finishReason = typeof reason === "string" && reason ? reason : "FINISH_REASON_UNSPECIFIED";
  return { finishReason, filtered: FILTER_FINISH_REASONS.has(finishReason) };
}

/** A generateContent response body (already parsed JSON) to our result; throws a ModelCallError for blocked or empty answers. */
export function mapGeminiResponse(raw: unknown, model: string): ModelResult {
  const who = `Gemini model "${model}"`;
  if (!isObject(raw))
    throw new ModelCallError(`${who} sent a 2xx answer that is JSON but not an object; retrying may succeed`, "malformed");
  const usage = mapGeminiUsage(raw.usageMetadata);
  // A refused or empty answer still costs its tokens: the error carries them so the step can count them.
  const billed = isObject(raw.usageMetadata) ? { usage } : {};
  const candidates = Array.isArray(raw.candidates) ? raw.candidates : [];
  const first: unknown = candidates[0];
  const feedback = isObject(raw.promptFeedback) ? raw.promptFeedback : {};
  if (!isObject(first)) {
    if (typeof feedback.blockReason === "string" && feedback.blockReason) {
      const detail =
        typeof feedback.blockReasonMessage === "string" && feedback.blockReasonMessage ? `: ${feedback.blockReasonMessage}` : "";
      throw new ModelCallError(
        `${who} blocked the prompt (promptFeedback.blockReason ${feedback.blockReason}${detail}); rephrase the prompt or change the step's input`,
        "blocked",
        { reason: feedback.blockReason, ...billed },
      );
    }
    throw new ModelCallError(`${who} returned no candidates; the prompt may need rephrasing`, "empty", {
      reason: "NO_CANDIDATES",
      ...billed,
    });
  }
  const { finishReason, filtered } = mapGeminiFinishReason(first.finishReason);
  const text = candidateText(first);
  const finishDetail = typeof first.finishMessage === "string" && first.finishMessage ? `: ${first.finishMessage}` : "";
  if (filtered || (!text && NO_TEXT_BLOCK_REASONS.has(finishReason))) {
    throw new ModelCallError(
      `${who} stopped the answer with finishReason ${finishReason}${finishDetail}${text ? " after partial text" : " and no text"}; rephrase the prompt or change the step's input`,
      "blocked",
      { reason: finishReason, ...billed },
    );
  }
  if (!text) {
    const hint = finishReason === "MAX_TOKENS" ? "; raise max_output_tokens (thinking models spend part of it before answering)" : "";
    throw new ModelCallError(`${who} returned a candidate with no text (finishReason ${finishReason})${hint}`, "empty", {
      reason: finishReason,
      ...billed,
    });
  }
  return { text, usage, finishReason };
}

/** The answer's text: the first candidate's text parts, thought summaries left out. */
function candidateText(candidate: Record<string, unknown>): string {
  const content = isObject(candidate.content) ? candidate.content : {};
  const parts = Array.isArray(content.parts) ? content.parts : [];
  return parts.map((p: unknown) => (isObject(p) && p.thought !== true && typeof p.text === "string" ? p.text : "")).join("");
}

/** Google's RetryInfo.retryDelay ("1.5s", or {seconds, nanos}) from an error's details, in ms. */
export function parseRetryDelay(details: unknown): number | undefined {
  if (!Array.isArray(details)) return undefined;
  for (const detail of details) {
    if (!isObject(detail) || typeof detail["@type"] !== "string" || !detail["@type"].endsWith("google.rpc.RetryInfo")) continue;
    const delay = detail.retryDelay;
    if (typeof delay === "string") {
      const match = /^\s*(\d+(?:\.\d+)?)s\s*$/.exec(delay);
      if (match) return Math.round(Number(match[1]) * 1000);
    } else if (isObject(delay)) {
      const seconds = Number(delay.seconds ?? 0);
      const nanos = Number(delay.nanos ?? 0);
      if (Number.isFinite(seconds) && Number.isFinite(nanos)) return Math.round(seconds * 1000 + nanos / 1e6);
    }
  }
  return undefined;
}

export interface GeminiCallContext {
  model: string;
  /** Where the call went, for network messages. */
  baseUrl: string;
  timeoutMs?: number;
  /** Our own per-call timer fired. */
  timedOut: boolean;
  /** The caller's signal aborted the call. */
  aborted: boolean;
  abortReason?: unknown;
}

/** Google's error as an HTTP status, the server's message and its details (RetryInfo, ErrorInfo). */
export interface GoogleHttpError {
  status: number;
  message: string;
  details: unknown;
}

/**
 * Gemini's error answer, as a ModelCallError that says what to do: a direct call's error status, or a batch job's
 * per-request error (map-gemini-batch.ts), so both map alike. `who` names what answered (`Gemini model "x"`).
 */
export function geminiHttpError(who: string, error: GoogleHttpError, cause: unknown): ModelCallError {
  const { status, message, details } = error;
  const reason = googleStatusFor(status);
  const retryAfterMs = parseRetryDelay(details);
  const keyProblem = errorInfoReason(details)?.includes("API_KEY") ? "check GEMINI_API_KEY" : undefined;
  const hint = keyProblem ?? HTTP_HINTS[status] ?? (status >= 500 ? "a server-side problem: retrying may succeed" : "see Gemini's message");
  return new ModelCallError(`${who} answered HTTP ${status} ${reason}: ${message || "(no message)"}; ${hint}`, "http", {
    status,
    reason,
    cause,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

/** Whatever the SDK (or fetch beneath it) threw, as a ModelCallError that says what happened and what to do. */
export function mapGeminiError(err: unknown, ctx: GeminiCallContext): ModelCallError {
  if (err instanceof ModelCallError) return err;
  const who = `Gemini model "${ctx.model}"`;
  const e = isObject(err) ? err : {};
  const message = err instanceof Error ? err.message : String(err);
  if (ctx.timedOut) {
    return new ModelCallError(`no answer from ${who} within ${ctx.timeoutMs} ms; retrying may succeed, or raise the timeout`, "timeout", {
      cause: err,
    });
  }
  if (ctx.aborted) {
    const reason = reasonText(ctx.abortReason ?? "aborted");
    return new ModelCallError(`the call to ${who} was aborted by the caller (${reason})`, "timeout", { cause: err });
  }
  if (typeof e.status === "number" && "statusText" in e) {
    const text = serverMessage(message, e.status, e.errorDetails);
    return geminiHttpError(who, { status: e.status, message: text, details: e.errorDetails }, err);
  }
  if (e.name === "AbortError" || nameOf(err) === "GoogleGenerativeAIAbortError") {
    return new ModelCallError(`the call to ${who} was aborted before an answer came; retrying may succeed`, "timeout", { cause: err });
  }
  if (err instanceof SyntaxError) {
    return new ModelCallError(`${who} sent a 2xx answer that is not valid JSON (${message}); retrying may succeed`, "malformed", {
      cause: err,
    });
  }
  if (isNetworkError(err)) {
    return new ModelCallError(
      `could not reach ${who} at ${ctx.baseUrl}: ${stripSdkPrefix(message)}; check the network and GEMINI_BASE_URL, retrying may succeed`,
      "network",
      {
        cause: err,
      },
    );
  }
  return new ModelCallError(
    `unexpected failure reading the answer of ${who}: ${nameOf(err)}: ${stripSdkPrefix(message)}; retrying may succeed`,
    "malformed",
    {
      cause: err,
    },
  );
}

/** The server's own message inside the SDK's "Error fetching from URL: [503 Service Unavailable] MESSAGE DETAILS". */
function serverMessage(sdkMessage: string, status: number, details: unknown): string {
  const marker = sdkMessage.indexOf(`[${status} `);
  let text = marker >= 0 ? sdkMessage.slice(sdkMessage.indexOf("]", marker) + 1).trim() : stripSdkPrefix(sdkMessage);
  const tail = details === undefined ? "" : JSON.stringify(details);
  if (tail && text.endsWith(tail)) text = text.slice(0, -tail.length).trim();
  return text;
}

function stripSdkPrefix(message: string): string {
  return message.replace(/^\[GoogleGenerativeAI Error\]:\s*/, "").replace(/^Error fetching from \S+?:\s/, "");
}

function errorInfoReason(details: unknown): string | undefined {
  if (!Array.isArray(details)) return undefined;
  for (const d of details) {
    if (isObject(d) && typeof d["@type"] === "string" && d["@type"].endsWith("google.rpc.ErrorInfo") && typeof d.reason === "string")
      return d.reason;
  }
  return undefined;
}
