// Pure conversion of what @google/genai threw on Vertex AI into our ModelCallError. Its ApiError carries the HTTP
// status and, as its message, Google's error body as JSON text ({error:{code,message,status,details}}).
import { endingError, type CallEnding } from "../../models/call-timeout";
import { googleStatusFor, parseRetryDelay } from "../gemini/map-gemini-response";
import { ModelCallError } from "../../models/model-call-error";
import { isNetworkError, isObject } from "../../models/vendor-helpers";

export interface VertexCallContext extends CallEnding {
  model: string;
  /** Where the call went, for messages. */
  baseUrl: string;
  timeoutMs: number;
}

const HINTS: Record<number, string> = {
  400: "check the step's parameters and prompts",
  401: "the credentials were refused: check Application Default Credentials",
  403: "the service account (or your ADC login) needs the Vertex AI User role (roles/aiplatform.user) on the project, and the Vertex AI API must be enabled",
  404: "check the model name in the model table (LLM_MODEL_TABLE) and that it is served in this location (VERTEX_LOCATION, or the entry's location)",
  429: "the quota or rate limit was hit: retry later or send fewer requests a minute",
};

const NO_CREDENTIALS = /default credentials|Could not load the default credentials|Unable to detect a Project Id|invalid_grant|metadata/i;

export function mapVertexError(err: unknown, ctx: VertexCallContext): ModelCallError {
  const who = `Vertex AI Gemini model "${ctx.model}"`;
  const ended = endingError(who, ctx, ctx.timeoutMs, err);
  if (ended) return ended;
  const e = isObject(err) ? err : {};
  const message = err instanceof Error ? err.message : String(err);
  if (typeof e.status === "number") {
    const status = e.status;
    const body = parseBody(message);
    const reason = typeof body.status === "string" && body.status ? body.status : googleStatusFor(status);
    const retryAfterMs = parseRetryDelay(body.details);
    const text = typeof body.message === "string" ? body.message : message;
    const hint = HINTS[status] ?? (status >= 500 ? "a server-side problem: retrying may succeed" : "see the server's message");
    return new ModelCallError(`${who} answered HTTP ${status} ${reason}: ${text}; ${hint}`, "http", {
      status,
      reason,
      cause: err,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }
  if (e.name === "AbortError")
    return new ModelCallError(`the call to ${who} was aborted before an answer came; retrying may succeed`, "timeout", { cause: err });
  if (err instanceof SyntaxError)
    return new ModelCallError(`${who} sent a 2xx answer that is not valid JSON (${message}); retrying may succeed`, "malformed", {
      cause: err,
    });
  if (isNetworkError(err)) {
    return new ModelCallError(
      `could not reach ${who} at ${ctx.baseUrl}: ${message}; check the network (and VERTEX_BASE_URL if set), retrying may succeed`,
      "network",
      { cause: err },
    );
  }
  if (NO_CREDENTIALS.test(message)) {
    return new ModelCallError(
      `${who} could not be called: no Application Default Credentials (${message}). Deployed, the function's service account is used (give it roles/aiplatform.user); locally, run \`gcloud auth application-default login\`, or set VERTEX_BASE_URL to the offline stand-in`,
      "config",
      { cause: err },
    );
  }
  return new ModelCallError(`unexpected failure reading the answer of ${who}: ${message}; retrying may succeed`, "malformed", {
    cause: err,
  });
}

/** The `error` object of Google's error body, when the message is that body. */
function parseBody(message: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(message);
    return isObject(parsed) && isObject(parsed.error) ? parsed.error : {};
  } catch {
    return {};
  }
}
