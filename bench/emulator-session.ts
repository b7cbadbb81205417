// Runs a command inside Firestore + Functions + Cloud Tasks emulators whose config also loads the bench-only bare functions codebase.
import { createWriteStream, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { runWithEmulators } from "../scripts/with-emulators.mjs";
import { REPO_ROOT } from "./cold-start";

export const BARE_CODEBASE = { source: "bench/bare-functions", codebase: "bench-bare", ignore: ["node_modules"] };
/** Lines the command prints with this prefix reach the terminal; everything else goes to the log file. */
export const BENCH_LINE_PREFIX = "[bench] ";

export interface SessionOptions {
  /** Firestore listens on portBase, Functions on +1, the hub on +2, the logger on +3, Cloud Tasks on +5. */
  portBase: number;
  env: Record<string, string | undefined>;
  timeoutSeconds: number;
  /** firebase-tools' own output, kept for when something goes wrong. */
  logFile: string;
}

type FirebaseConfig = { functions?: unknown; emulators?: Record<string, unknown> } & Record<string, unknown>;

/** firebase.json's content plus the bare codebase, with the emulators on portBase to portBase + 5. */
export function benchFirebaseConfig(base: FirebaseConfig, portBase: number): FirebaseConfig {
  const functions: unknown[] = Array.isArray(base.functions) ? (base.functions as unknown[]) : base.functions ? [base.functions] : [];
  return {
    ...base,
    functions: [...functions, BARE_CODEBASE],
    emulators: {
      ...base.emulators,
      firestore: { host: "127.0.0.1", port: portBase },
      functions: { host: "127.0.0.1", port: portBase + 1 },
      hub: { host: "127.0.0.1", port: portBase + 2 },
      logging: { host: "127.0.0.1", port: portBase + 3 },
      // Where with-emulators puts it too (+4 is Auth, which the bench does not start).
      tasks: { host: "127.0.0.1", port: portBase + 5 },
      ui: { enabled: false },
      // The Firestore-cost benchmark drives the pipeline in-process under a second project id, where no trigger fires.
      singleProjectMode: false,
    },
  };
}

/**
 * Written next to firebase.json (firebase-tools takes the project directory from the config's folder), under a
 * name the `.firebase-ports-*.json` ignore rule covers; never part of a deploy.
 */
export function writeBenchConfig(portBase: number): string {
  const base = JSON.parse(readFileSync(join(REPO_ROOT, "firebase.json"), "utf8")) as FirebaseConfig;
  const file = `.firebase-ports-${portBase}-bench.json`;
  writeFileSync(join(REPO_ROOT, file), `${JSON.stringify(benchFirebaseConfig(base, portBase), null, 2)}\n`);
  return file;
}

/** Resolves to the command's exit code; 124 when the session ran past its timeout and was stopped. */
export async function runInBenchEmulators(command: string[], options: SessionOptions): Promise<number> {
  const configFile = writeBenchConfig(options.portBase);
  mkdirSync(dirname(options.logFile), { recursive: true });
  const log = createWriteStream(options.logFile);
  try {
    return await runWithEmulators(command, {
      configFile,
      only: ["firestore", "functions", "tasks"],
      env: options.env,
      timeoutSeconds: options.timeoutSeconds,
      // firebase-tools' lines go to the log; the benchmarks' own lines, marked with the prefix, to the terminal.
      onOutput: (line) => {
        log.write(`${line}\n`);
        if (line.startsWith(BENCH_LINE_PREFIX)) process.stderr.write(`  ${line.slice(BENCH_LINE_PREFIX.length)}\n`);
      },
    });
  } finally {
    await new Promise((resolve) => log.end(resolve));
    rmSync(join(REPO_ROOT, configFile), { force: true });
  }
}
