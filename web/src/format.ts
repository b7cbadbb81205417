// Formats numbers for people: durations, token counts, dollars, rates, and a batch's pace and ETA.

/** 950 ms, 2.4 s, 3 min 05 s, 1 h 02 min. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const totalS = Math.round(s);
  const m = Math.floor(totalS / 60);
  if (m < 60) return `${m} min ${String(totalS % 60).padStart(2, "0")} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

export function formatCount(n: number | undefined): string {
  return n === undefined || !Number.isFinite(n) ? "—" : Math.round(n).toLocaleString("en-US");
}

/** Dollars with enough digits that a cheap call still shows: $0.000123, $1.23. */
export function formatUsd(usd: number | undefined): string {
  if (usd === undefined || !Number.isFinite(usd)) return "—";
  if (usd === 0) return "$0";
  return usd >= 1 ? `$${usd.toFixed(2)}` : `$${usd.toPrecision(3)}`;
}

export interface Pace {
  /** Rows ended (succeeded or failed) per minute since the batch started. */
  rowsPerMinute?: number;
  /** Milliseconds until the remaining rows end at that pace; 0 when none remain. */
  etaMs?: number;
}

/** The pace of a batch from its counts and when it started; nothing to say before a row has ended. */
export function batchPace(ended: number, total: number, startedAtMs: number | undefined, nowMs: number): Pace {
  const remaining = Math.max(0, total - ended);
  if (startedAtMs === undefined || ended <= 0) return remaining === 0 && total > 0 ? { etaMs: 0 } : {};
  const elapsedMin = Math.max(nowMs - startedAtMs, 1) / 60_000;
  const rowsPerMinute = ended / elapsedMin;
  return { rowsPerMinute, etaMs: remaining === 0 ? 0 : (remaining / rowsPerMinute) * 60_000 };
}

export function formatRate(perMinute: number | undefined): string {
  if (perMinute === undefined) return "—";
  return `${perMinute >= 10 ? Math.round(perMinute) : perMinute.toFixed(1)} rows/min`;
}
