// Runs the offline model stand-in as its own process, so the emulators, benches and other tools can share one.
import { parseArgs } from "node:util";
import {
  STANDIN_FAULTS,
  startStandin,
  type StandinFault,
  type StandinOptions,
  type StandinScriptItem,
} from "../local/standin/standin-server";

const USAGE = `Usage: npm run standin -- [options]

Serves, on http://127.0.0.1:PORT, for offline runs:
  Gemini's generateContent (point GEMINI_BASE_URL at it), the same on Vertex AI's path (VERTEX_BASE_URL),
  Anthropic's Messages API (ANTHROPIC_BASE_URL) and OpenAI's Chat Completions (OPENAI_BASE_URL=URL/v1).
Its answers echo the prompt: "[stand-in MODEL] USER_PROMPT", or valid JSON in JSON mode. The knobs apply to all.

Options:
  --port N              port to listen on (default 8787; 0 picks a free one)
  --latency-ms N        added to every answer (default 0)
  --rpm N               requests per minute accepted, sliding 60 s window; beyond it 429 (default 0 = no limit)
  --rpm-burst N         with --rpm: a token bucket of N refilled evenly at rpm/60 a second (a smooth pace)
  --fault KIND=RATE     answer a fraction RATE (0..1) of requests with fault KIND; repeatable
                        kinds: ${STANDIN_FAULTS.join(", ")}
  --seed N              seed of the fault dice, so a run repeats (default 1)
  --retry-delay-ms N    the retryDelay an injected 429 advertises (default 100)
  --cached-tokens N     prompt tokens each answer reports as read from the cache (default 0)
  --script LIST         outcomes for the next requests before the dice, e.g. 503,503,ok
                        (scripted answer texts, {"text": "..."}, go through POST /__standin/config)
  --exit-with-hub ADDR  exit once the Firebase Emulator Hub at HOST:PORT stops answering (how the functions
                        start the stand-in of an emulator session)
  -h, --help            show this help

Admin API (to change the knobs from another process):
  GET /__standin/stats  GET /__standin/config  GET /__standin/requests
  POST /__standin/config (JSON body: latencyMs, rpm, rpmBurst, faults, seed, retryDelayMs, script, cachedTokens)  POST /__standin/reset

Example: npm run standin -- --port 8787 --latency-ms 300 --rpm 600 --fault 503=0.1 --fault 429=0.05 --seed 1`;

class UsageError extends Error {}

/** The command line as stand-in options; throws a UsageError naming the bad flag. */
function parseStandinArgs(argv: string[]): (StandinOptions & { exitWithHub?: string }) | "help" {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: "string" },
      "latency-ms": { type: "string" },
      rpm: { type: "string" },
      "rpm-burst": { type: "string" },
      fault: { type: "string", multiple: true },
      seed: { type: "string" },
      "retry-delay-ms": { type: "string" },
      "cached-tokens": { type: "string" },
      script: { type: "string" },
      "exit-with-hub": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  const number = (flag: string, raw: string | undefined): number | undefined => {
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(value) || value < 0)
      throw new UsageError(`--${flag}: expected a number of at least 0, got "${raw}"`);
    return value;
  };
  const faults: Partial<Record<StandinFault, number>> = {};
  for (const spec of values.fault ?? []) {
    const [kind = "", rate] = spec.split("=");
    if (!(STANDIN_FAULTS as readonly string[]).includes(kind))
      throw new UsageError(`--fault ${spec}: unknown kind "${kind}"; use one of ${STANDIN_FAULTS.join(", ")}`);
    const value = Number(rate);
    if (rate === undefined || rate.trim() === "" || !(value >= 0 && value <= 1))
      throw new UsageError(`--fault ${spec}: expected KIND=RATE with RATE from 0 to 1, e.g. 503=0.1`);
    faults[kind as StandinFault] = value;
  }
  // Flags not given are undefined here, and left out below.
  const options = {
    port: number("port", values.port) ?? 8787,
    latencyMs: number("latency-ms", values["latency-ms"]),
    rpm: number("rpm", values.rpm),
    rpmBurst: number("rpm-burst", values["rpm-burst"]),
    seed: number("seed", values.seed),
    retryDelayMs: number("retry-delay-ms", values["retry-delay-ms"]),
    cachedTokens: number("cached-tokens", values["cached-tokens"]),
    faults,
    script: values.script
      ?.split(",")
      .map((s) => s.trim())
      .filter(Boolean) as StandinScriptItem[] | undefined,
  };
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as StandinOptions;
  return values["exit-with-hub"] ? { ...given, exitWithHub: values["exit-with-hub"] } : given;
}

/** Polls the hub every 2 s; three silent polls in a row mean its emulator session has ended. */
function exitWithHub(hub: string, stop: () => void): void {
  let silent = 0;
  const poll = async () => {
    const answered = await fetch(`http://${hub}/emulators`, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.ok,
      () => false,
    );
    silent = answered ? 0 : silent + 1;
    if (silent >= 3) stop();
    else setTimeout(() => void poll(), 2_000);
  };
  setTimeout(() => void poll(), 2_000);
}

async function main(): Promise<void> {
  let options: ReturnType<typeof parseStandinArgs>;
  try {
    options = parseStandinArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`standin: ${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (options === "help") {
    console.log(USAGE);
    return;
  }
  const { exitWithHub: hub, ...standinOptions } = options;
  let standin;
  try {
    standin = await startStandin(standinOptions);
  } catch (err) {
    // Bad --seed/--rpm values and a busy port land here, with the option or port named.
    console.error(`standin: ${(err as Error).message}`);
    process.exit(2);
  }
  console.log(`Gemini stand-in listening on ${standin.url}`);
  const stop = () => {
    standin.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  if (hub) {
    // Started detached by a functions worker, which stops reading once the line above is out.
    process.stdout.on("error", () => {});
    exitWithHub(hub, stop);
  }
}

await main();
