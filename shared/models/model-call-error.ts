// The one error type for a failed model call; whether it is worth retrying is decided here and only here.
import type { TokenUsage } from "./token-usage";

/** An abort reason or an error's cause as text: an Error's message, a string as it is, anything else as JSON. */
export function reasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  if (typeof reason === "string") return reason;
  try {
    return JSON.stringify(reason) ?? String(reason);
  } catch {
    return Object.prototype.toString.call(reason);
  }
}

/** HTTP statuses that can succeed on a later attempt; 529 is Anthropic's "overloaded". */
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504, 529]);

export type ModelFailureKind =
  | "http" // the API answered with an error status
  | "network" // connection refused or reset, DNS, socket hang-up
  | "timeout" // no answer in time
  | "malformed" // a 2xx answer that is not the expected JSON
  | "blocked" // prompt blocked, or candidate stopped for SAFETY/RECITATION/...
  | "empty" // no candidate text
  | "out_of_credits" // the account has no credits left (OpenAI's 429 insufficient_quota, Claude's credit balance): only adding credits helps
  | "config"; // the deployment cannot call this provider (a missing key): no attempt can succeed until someone fixes it

export class ModelCallError extends Error {
  readonly isRetryable: boolean;
  constructor(
    message: string,
    readonly kind: ModelFailureKind,
    readonly options: {
      status?: number;
      reason?: string;
      retryAfterMs?: number;
      /** Tokens the provider reported for this failed attempt (a blocked or empty answer is still billed). */
      usage?: TokenUsage;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "ModelCallError";
    this.isRetryable =
      kind === "network" || kind === "timeout" || kind === "malformed" || (kind === "http" && RETRYABLE_STATUS.has(options.status ?? 0));
  }
  get isThrottle(): boolean {
    return this.kind === "http" && this.options.status === 429;
  }
  get status(): number | undefined {
    return this.options.status;
  }
  get retryAfterMs(): number | undefined {
    return this.options.retryAfterMs;
  }
  get usage(): TokenUsage | undefined {
    return this.options.usage;
  }
}
