// STUB (being implemented): an HTTP server speaking Gemini's generateContent wire format, for offline runs and tests.

export interface StandinOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Added to every answer. */
  latencyMs?: number;
  /** Requests per minute accepted (sliding 60 s window); beyond it the answer is 429 RESOURCE_EXHAUSTED. 0 = no limit. */
  rpm?: number;
  /** Fraction (0..1) of requests answered with each injected fault. */
  faults?: Partial<Record<StandinFault, number>>;
  /** Seed of the fault dice, so a run is repeatable. */
  seed?: number;
}

export type StandinFault = "429" | "500" | "503" | "504" | "malformed" | "safety" | "empty" | "reset";

export interface StandinStats {
  requests: number;
  answered: number;
  faults: Partial<Record<StandinFault | "rate_limited", number>>;
}

export interface Standin {
  readonly url: string;
  stats(): StandinStats;
  configure(options: Omit<StandinOptions, "port" | "host">): void;
  close(): Promise<void>;
}

export async function startStandin(_options: StandinOptions = {}): Promise<Standin> {
  throw new Error("not implemented yet");
}
