// The stand-in's vendor batch jobs, shared by every protocol's batch routes (shared/providers/<name>/standin-batch.ts):
// jobs with a lifecycle driven by the batch knobs, each request answered at the job's end by its protocol's own
// synchronous answer (so faults, scripts and usage are the same as a direct call's), and the files some vendors take
// input from and give results in. The protocol's module turns these into its vendor's wire shapes.
import type { IncomingHttpHeaders } from "node:http";
import type { StandinAnswer, StandinOutcome, StandinProtocol, StandinProtocolName } from "./standin-protocol";
import type { StandinPrompt } from "./standin-reply";

export interface BatchKnobs {
  /** A job ends this long after it is created (the first half of it pending, the second running). */
  batchTurnaroundMs: number;
  /** Jobs stay pending and never end (a vendor's stuck queue), until cancelled. */
  batchStuck: boolean;
  /** Jobs end expired at their turnaround: no request of theirs is run. */
  batchExpire: boolean;
  /** Fraction (0..1) of an ended job's requests not run (partial results), decided by the seeded dice. */
  batchPartial: number;
}

export const DEFAULT_BATCH_KNOBS: BatchKnobs = { batchTurnaroundMs: 200, batchStuck: false, batchExpire: false, batchPartial: 0 };

export type StandinBatchItem =
  | { key: string; kind: "answered"; outcome: StandinOutcome; reply: StandinAnswer }
  | { key: string; kind: "not_run"; why: "expired" | "cancelled" | "dropped" };

export interface StandinBatchRequest {
  key: string;
  prompt: StandinPrompt;
}

export interface StandinBatchJob {
  id: string;
  protocol: StandinProtocolName;
  model: string;
  displayName: string;
  metadata: Record<string, string>;
  createdAt: number;
  requests: StandinBatchRequest[];
  cancelledAt?: number;
  ended?: { at: number; how: "completed" | "expired" | "cancelled"; items: StandinBatchItem[] };
}

export type StandinBatchPhase = "pending" | "running" | "ended";

export interface StandinFile {
  id: string;
  displayName: string;
  mimeType: string;
  purpose: string;
  bytes: Buffer;
  createdAt: number;
}

/** An HTTP request on a batch route, its body read. */
export interface StandinHttpRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** What a protocol's batch routes are given: the jobs and files, and the stand-in's own URL (for absolute result URLs). */
export interface StandinBatchEnv {
  batches: StandinBatches;
  baseUrl: string;
}

/** A protocol's batch API: its routes over the shared jobs. Exported as `batch` by the provider's standin.ts. */
export interface StandinBatchRoutes {
  /** Whether the request is one of its batch routes (decided before the body is read). */
  match(method: string, path: string): boolean;
  handle(request: StandinHttpRequest, env: StandinBatchEnv): StandinAnswer | Promise<StandinAnswer>;
}

/** How the stand-in decides and records each request's outcome (its dice and script, its log and stats). */
export interface BatchDecider {
  knobs(): BatchKnobs;
  /** The outcome of one request as a direct call's would be decided (script, then dice; never the rate limit). */
  decide(): { outcome: StandinOutcome; text?: string };
  /** One seeded roll in [0, 1), for the partial-results knob. */
  roll(): number;
  /** Counts a job created. */
  created(job: StandinBatchJob): void;
  /** Counts and logs a request a batch job ran, as a direct call's. */
  record(job: StandinBatchJob, request: StandinBatchRequest, outcome: StandinOutcome): void;
  /** The answer context of a direct call (retry delay, cached tokens). */
  answerContext(): { retryDelayMs: number; rpm: number; cachedTokens: number };
}

export class StandinBatches {
  private readonly jobs = new Map<string, StandinBatchJob>();
  private readonly files = new Map<string, StandinFile>();
  private counter = 0;

  constructor(
    private readonly decider: BatchDecider,
    private readonly protocols: ReadonlyMap<StandinProtocolName, StandinProtocol>,
    private readonly now: () => number = Date.now,
  ) {}

  /** A fresh id with the vendor's prefix (`msgbatch_`, `batch_`, `batches/`, `file-`). */
  nextId(prefix: string): string {
    return `${prefix}standin${(++this.counter).toString().padStart(6, "0")}`;
  }

  create(job: Omit<StandinBatchJob, "createdAt" | "ended" | "cancelledAt">): StandinBatchJob {
    const created: StandinBatchJob = { ...job, createdAt: this.now() };
    this.jobs.set(job.id, created);
    this.decider.created(created);
    return created;
  }

  /** The job as of now: ended (and answered) once its turnaround passed, unless the stuck knob holds it. */
  get(id: string): StandinBatchJob | undefined {
    const job = this.jobs.get(id);
    if (job) this.advance(job);
    return job;
  }

  list(protocol: StandinProtocolName): StandinBatchJob[] {
    return [...this.jobs.values()].filter((job) => job.protocol === protocol).map((job) => (this.advance(job), job));
  }

  phase(job: StandinBatchJob): StandinBatchPhase {
    this.advance(job);
    if (job.ended) return "ended";
    const { batchStuck, batchTurnaroundMs } = this.decider.knobs();
    return batchStuck || this.now() < job.createdAt + batchTurnaroundMs / 2 ? "pending" : "running";
  }

  /** Asks the job to stop: an unended job ends cancelled, none of its requests run; one past its turnaround has ended already. */
  cancel(id: string): StandinBatchJob | undefined {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    this.advance(job);
    if (job.ended) return job;
    job.cancelledAt ??= this.now();
    this.advance(job);
    return job;
  }

  putFile(file: Omit<StandinFile, "id" | "createdAt">, prefix: string): StandinFile {
    const stored = { ...file, id: this.nextId(prefix), createdAt: this.now() };
    this.files.set(stored.id, stored);
    return stored;
  }

  getFile(id: string): StandinFile | undefined {
    return this.files.get(id);
  }

  private advance(job: StandinBatchJob): void {
    if (job.ended) return;
    const now = this.now();
    if (job.cancelledAt !== undefined) {
      job.ended = { at: now, how: "cancelled", items: job.requests.map(({ key }) => ({ key, kind: "not_run", why: "cancelled" })) };
      return;
    }
    const { batchStuck, batchTurnaroundMs, batchExpire } = this.decider.knobs();
    if (batchStuck || now < job.createdAt + batchTurnaroundMs) return;
    if (batchExpire) {
      job.ended = { at: now, how: "expired", items: job.requests.map(({ key }) => ({ key, kind: "not_run", why: "expired" })) };
      return;
    }
    job.ended = { at: now, how: "completed", items: job.requests.map((request) => this.run(job, request)) };
  }

  /** One request of an ended job: dropped (partial results) or answered as a direct call to its protocol would be. */
  private run(job: StandinBatchJob, request: StandinBatchRequest): StandinBatchItem {
    const { key, prompt } = request;
    if (this.decider.roll() < this.decider.knobs().batchPartial) return { key, kind: "not_run", why: "dropped" };
    const protocol = this.protocols.get(job.protocol)!;
    const { outcome, text } = this.decider.decide();
    this.decider.record(job, request, outcome);
    const answered = protocol.answer(prompt, outcome, { ...this.decider.answerContext(), ...(text !== undefined ? { text } : {}) });
    // A batch has no socket to reset, and its results are parsed by the vendor: both become the vendor's 500.
    const reply =
      answered === "reset" || answered.raw !== undefined ? protocol.error(500, "internal error [stand-in injected fault]") : answered;
    return { key, kind: "answered", outcome, reply };
  }
}
