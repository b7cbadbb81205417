// Drives a Gemini stand-in through its admin HTTP API, so that a benchmark can set the knobs of one it did not start.

export interface StandinStatsBody {
  requests: number;
  answered: number;
  faults: Record<string, number>;
  rejected: number;
}

async function call(url: string, method: "GET" | "POST", path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${url}/__standin/${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`stand-in ${method} /__standin/${path} at ${url} answered ${res.status}: ${text}`);
  return JSON.parse(text) as unknown;
}

export const configureStandin = (url: string, options: Record<string, unknown>) =>
  call(url, "POST", "config", options) as Promise<Record<string, unknown>>;
export const resetStandin = (url: string) => call(url, "POST", "reset") as Promise<StandinStatsBody>;
export const standinStats = (url: string) => call(url, "GET", "stats") as Promise<StandinStatsBody>;
export const standinConfig = (url: string) => call(url, "GET", "config") as Promise<Record<string, unknown>>;
