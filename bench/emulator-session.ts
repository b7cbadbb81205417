// Runs a command inside Firestore + Functions emulators whose config also loads the bench-only bare functions codebase.
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { emulatorEnv } from "../scripts/emulator-env.mjs";
import { EMULATOR_PROJECT_ID } from "../scripts/with-emulators.mjs";
import { REPO_ROOT } from "./cold-start";

export const BARE_CODEBASE = { source: "bench/bare-functions", codebase: "bench-bare", ignore: ["node_modules"] };
/** Lines the command prints with this prefix reach the terminal; everything else goes to the log file. */
export const BENCH_LINE_PREFIX = "[bench] ";

export interface SessionOptions {
  /** Firestore listens on portBase, Functions on +1, the hub on +2, the logger on +3. */
  portBase: number;
  env: Record<string, string | undefined>;
  timeoutSeconds: number;
  /** firebase-tools' own output, kept for when something goes wrong. */
  logFile: string;
}

type FirebaseConfig = { functions?: unknown; emulators?: Record<string, unknown> } & Record<string, unknown>;

/** firebase.json's content plus the bare codebase, with the emulators on portBase to portBase + 3. */
export function benchFirebaseConfig(base: FirebaseConfig, portBase: number): FirebaseConfig {
  const functions = Array.isArray(base.functions) ? base.functions : base.functions ? [base.functions] : [];
  return {
    ...base,
    functions: [...functions, BARE_CODEBASE],
    emulators: {
      ...base.emulators,
      firestore: { host: "127.0.0.1", port: portBase },
      functions: { host: "127.0.0.1", port: portBase + 1 },
      hub: { host: "127.0.0.1", port: portBase + 2 },
      logging: { host: "127.0.0.1", port: portBase + 3 },
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
  if (!existsSync(join(REPO_ROOT, "functions", "lib", "index.js"))) throw new Error("functions/lib/index.js is missing: run `npm run build` first");
  const firebase = join(REPO_ROOT, "node_modules", ".bin", "firebase");
  if (!existsSync(firebase)) throw new Error(`${firebase} is missing: run \`npm install\` at the repository root`);
  for (const [name, port] of [["Firestore", options.portBase], ["Functions", options.portBase + 1]] as const) {
    if (!(await portIsFree(port))) {
      throw new Error(`the ${name} emulator's port ${port} is in use (another bench, or an emulator session?); stop it or set EMULATOR_PORT_BASE to a free range`);
    }
  }
  const extraEnv = await emulatorEnv();
  const configFile = writeBenchConfig(options.portBase);
  const args = ["emulators:exec", "--config", configFile, "--only", "firestore,functions", "--project", EMULATOR_PROJECT_ID, command.map(shellQuote).join(" ")];
  const env: Record<string, string | undefined> = { NO_UPDATE_NOTIFIER: "1", METADATA_SERVER_DETECTION: "none", ...process.env, ...extraEnv, ...options.env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  mkdirSync(dirname(options.logFile), { recursive: true });
  const log = createWriteStream(options.logFile);
  // Its own process group, so that a timeout reaches firebase-tools, the Java emulator and the command alike.
  const child = spawn(firebase, args, { cwd: REPO_ROOT, env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  for (const stream of [child.stdout, child.stderr]) {
    let pending = "";
    stream.setEncoding("utf8").on("data", (chunk: string) => {
      const lines = (pending + chunk).split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        log.write(`${line}\n`);
        if (line.startsWith(BENCH_LINE_PREFIX)) process.stderr.write(`  ${line.slice(BENCH_LINE_PREFIX.length)}\n`);
      }
    });
  }
  const onSignal = (signal: NodeJS.Signals) => killGroup(signal);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    process.stderr.write(`bench: the emulator session ran past ${options.timeoutSeconds} s; stopping it (log: ${options.logFile})\n`);
    killGroup("SIGTERM");
    setTimeout(() => killGroup("SIGKILL"), 20_000).unref();
  }, options.timeoutSeconds * 1000);
  try {
    const code = await new Promise<number>((resolve, reject) => {
      child.once("error", (error) => reject(new Error(`could not start ${firebase}: ${error.message}`)));
      child.once("exit", (exitCode) => resolve(exitCode ?? 1));
    });
    return timedOut ? 124 : code;
  } finally {
    clearTimeout(timer);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await new Promise((resolve) => log.end(resolve));
    rmSync(join(REPO_ROOT, configFile), { force: true });
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ host: "127.0.0.1", port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** emulators:exec runs its script through a shell; quoting every argument keeps it one word there. */
function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}
