// What every vendor adapter needs alike when it reads an SDK's answer or error: one place, so that the providers agree.

/** A JSON object (not null, not an array), as an SDK's untyped answer or error body holds them. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Messages of a failed connection (Node's fetch, undici, the OS): retried as a network failure, whatever the SDK. */
export const NETWORK_PATTERN =
  /fetch failed|ECONNRESET|ECONNREFUSED|ECONNABORTED|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|socket hang up|other side closed|terminated|UND_ERR/i;
