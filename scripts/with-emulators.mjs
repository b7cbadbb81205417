// Runs one command inside `firebase emulators:exec` (Firestore + Functions; Auth, Cloud Tasks and Hosting on request), offline when the machine allows it.
// @ts-check
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { emulatorEnv } from "./emulator-env.mjs";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
export const EMULATOR_PROJECT_ID = "demo-llm-agent-executor";
const ALL_EMULATORS = ["firestore", "functions", "auth", "tasks", "hosting"];
// What a caller gets without `only`: Auth and Hosting only when asked for (the submitJob and end-to-end suites, the
// local stack), so that every other session (the benches with their own port-moved configs) starts what it did before.
// The Cloud Tasks emulator (the batch admission queue) starts with the Functions emulator whether asked for or not:
// firebase-tools starts it beside every Functions emulator, on its configured port; naming it in `only` also exports
// its address.
const DEFAULT_EMULATORS = ["firestore", "functions"];
const DEFAULT_TIMEOUT_S = 1800;
const USAGE =
  "usage: node scripts/with-emulators.mjs [--only firestore[,functions][,auth][,tasks][,hosting]] " +
  `[--timeout SECONDS (default ${DEFAULT_TIMEOUT_S})] [--wait-ports SECONDS (default 0)] -- <command...>`;

/**
 * Starts the emulators, runs `command` with FIRESTORE_EMULATOR_HOST etc. set, stops them, and resolves
 * to the command's exit code (firebase-tools passes it through). Throws when no emulator can start here.
 * After `timeoutSeconds` the whole run is stopped and resolves to 124, like coreutils' `timeout`.
 * `env` adds variables (an undefined value removes one); the Functions emulator's workers inherit them too.
 * When an emulator's port is taken (another session, `npm run emulators`), waits up to `waitPortsSeconds` for it.
 * @param {string[]} command
 * `onOutput`, when given, receives every line the emulators and the command print (stdout and stderr), instead
 * of the terminal: a caller can keep firebase-tools' own lines in a log file and show the command's.
 * `configFile` names a firebase config of the caller's (relative to the repo root) instead of firebase.json.
 * @param {{ only?: string[], timeoutSeconds?: number, waitPortsSeconds?: number, env?: Record<string, string | undefined>, onOutput?: (line: string, stream: "stdout" | "stderr") => void, configFile?: string }} [options]
 * @returns {Promise<number>}
 */
export async function runWithEmulators(
  command,
  {
    only = DEFAULT_EMULATORS,
    timeoutSeconds = DEFAULT_TIMEOUT_S,
    waitPortsSeconds = 0,
    env: envChanges = {},
    onOutput,
    configFile: givenConfig,
  } = {},
) {
  checkRequest(command, only);
  const extraEnv = emulatorEnv();
  const configFile = givenConfig ?? configForPortBase(process.env.EMULATOR_PORT_BASE ?? envChanges.EMULATOR_PORT_BASE);
  // The Tasks emulator comes with the Functions emulator, so its port must be free too.
  const listening = only.includes("functions") && !only.includes("tasks") ? [...only, "tasks"] : only;
  await waitForFreePorts(listening, waitPortsSeconds, configFile);
  const firebase = firebaseBin();
  const env = childEnv(process.env, extraEnv, envChanges);
  const child = spawnFirebase(firebase, execArgs(configFile, only, command), env, onOutput);
  const signals = forwardSignals(child);
  const deadline = stopAfter(child, timeoutSeconds);
  try {
    const code = await exitCodeOf(child, firebase);
    const interruptedBy = signals.interruptedBy();
    // firebase-tools exits 0 after a signal-driven shutdown; an interrupted run must not look like a pass.
    if (interruptedBy) return code || 128 + signalNumber(interruptedBy);
    if (!deadline.timedOut()) return code;
    signalGroup(child, "SIGKILL"); // whatever of the group outlived firebase-tools (the command, a stuck emulator)
    return 124;
  } finally {
    deadline.clear();
    signals.release();
    // A config written here for EMULATOR_PORT_BASE is this run's alone.
    if (!givenConfig && configFile !== "firebase.json") rmSync(join(repoRoot, configFile), { force: true });
  }
}

/**
 * Throws, saying what to do, when the run cannot start: no command, an emulator this project does not run, or the
 * Functions emulator without the bundle it loads.
 * @param {string[]} command
 * @param {string[]} only
 */
function checkRequest(command, only) {
  if (command.length === 0) throw new Error(`no command given; ${USAGE}`);
  const unknown = only.filter((name) => !ALL_EMULATORS.includes(name));
  if (unknown.length) throw new Error(`--only ${unknown.join(",")}: this project runs only ${ALL_EMULATORS.join(", ")}`);
  if (only.includes("functions") && !existsSync(join(repoRoot, "functions", "lib", "index.js"))) {
    throw new Error("functions/lib/index.js is missing: run `npm run build` first (the Functions emulator loads the bundle)");
  }
}

/** The repository's firebase-tools; throws when it is not installed. */
function firebaseBin() {
  const firebase = join(repoRoot, "node_modules", ".bin", process.platform === "win32" ? "firebase.cmd" : "firebase");
  if (!existsSync(firebase)) throw new Error(`${firebase} is missing: run \`npm install\` at the repository root`);
  return firebase;
}

/**
 * @param {string} configFile
 * @param {string[]} only
 * @param {string[]} command
 * @returns {string[]}
 */
function execArgs(configFile, only, command) {
  return [
    "emulators:exec",
    "--config",
    configFile,
    "--only",
    only.join(","),
    "--project",
    EMULATOR_PROJECT_ID,
    command.map(shellQuote).join(" "),
  ];
}

/**
 * The session's environment: the shell's, the emulators' own variables, then the caller's changes (an undefined value
 * removes a variable).
 * @param {NodeJS.ProcessEnv} shellEnv
 * @param {Record<string, string>} extraEnv
 * @param {Record<string, string | undefined>} envChanges
 * @returns {Record<string, string | undefined>}
 */
function childEnv(shellEnv, extraEnv, envChanges) {
  // NO_UPDATE_NOTIFIER: firebase-tools would otherwise ask the npm registry whether it is current on every start.
  // METADATA_SERVER_DETECTION: stops the Admin SDK in the command probing for a GCE metadata server (a network call, and
  // a warning per probe offline); the Functions emulator already sets it for its workers.
  /** @type {Record<string, string | undefined>} */
  const env = { NO_UPDATE_NOTIFIER: "1", METADATA_SERVER_DETECTION: "none", ...shellEnv, ...extraEnv, ...envChanges };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  return env;
}

/**
 * Starts `firebase emulators:exec`; with `onOutput`, its stdout and stderr go there line by line instead of the terminal.
 * @param {string} firebase
 * @param {string[]} args
 * @param {Record<string, string | undefined>} env
 * @param {((line: string, stream: "stdout" | "stderr") => void) | undefined} onOutput
 */
function spawnFirebase(firebase, args, env, onOutput) {
  // Its own process group, so that a timeout or a signal reaches firebase-tools, the Java emulator and the command alike.
  const child = spawn(firebase, args, {
    cwd: repoRoot,
    env,
    stdio: onOutput ? ["inherit", "pipe", "pipe"] : "inherit",
    detached: process.platform !== "win32",
  });
  if (onOutput) {
    for (const stream of /** @type {const} */ (["stdout", "stderr"])) {
      forwardLines(child[stream], (line) => onOutput(line, stream));
    }
  }
  return child;
}

/**
 * Calls `onLine` for each line of `stream`, the last one too when it has no newline.
 * @param {import("node:stream").Readable | null} stream
 * @param {(line: string) => void} onLine
 */
function forwardLines(stream, onLine) {
  let pending = "";
  stream?.setEncoding("utf8").on("data", (/** @type {string} */ chunk) => {
    const lines = (pending + chunk).split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) onLine(line);
  });
  stream?.on("end", () => pending && onLine(pending));
}

/**
 * Sends `signal` to the child's whole process group (the child alone on Windows).
 * @param {import("node:child_process").ChildProcess} child
 * @param {NodeJS.Signals} signal
 */
function signalGroup(child, signal) {
  try {
    if (process.platform === "win32") child.kill(signal);
    else if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Passes this process's SIGINT and SIGTERM on to the child's group, remembering the last one, until `release`.
 * @param {import("node:child_process").ChildProcess} child
 */
function forwardSignals(child) {
  // firebase-tools shuts the emulators down cleanly on the first SIGINT/SIGTERM.
  /** @type {NodeJS.Signals | undefined} */
  let interruptedBy;
  /** @param {NodeJS.Signals} signal */
  const forward = (signal) => {
    interruptedBy = signal;
    signalGroup(child, signal);
  };
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  return {
    interruptedBy: () => interruptedBy,
    release: () => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
    },
  };
}

/**
 * After `timeoutSeconds`, a SIGTERM to the child's group, and a SIGKILL 20 s later if it is still there; `clear` cancels both.
 * @param {import("node:child_process").ChildProcess} child
 * @param {number} timeoutSeconds
 */
function stopAfter(child, timeoutSeconds) {
  let timedOut = false;
  /** @type {NodeJS.Timeout | undefined} */
  let killTimer;
  const timer = setTimeout(() => {
    timedOut = true;
    console.error(
      `with-emulators: still running after ${timeoutSeconds} s; stopping the emulators. If the log above ends with ` +
        "`? Enter a string value for NAME`, a defineString/defineInt param has no value in functions/.env*: " +
        "firebase-tools waits for an answer that never comes.",
    );
    signalGroup(child, "SIGTERM");
    killTimer = setTimeout(() => signalGroup(child, "SIGKILL"), 20_000);
  }, timeoutSeconds * 1000);
  return {
    timedOut: () => timedOut,
    clear: () => {
      clearTimeout(timer);
      clearTimeout(killTimer);
    },
  };
}

/**
 * The child's exit code; a child killed by a signal gets 128 + its number, as a shell reports it.
 * @param {import("node:child_process").ChildProcess} child
 * @param {string} firebase
 * @returns {Promise<number>}
 */
function exitCodeOf(child, firebase) {
  return new Promise((resolve, reject) => {
    child.once("error", (error) => reject(new Error(`could not start ${firebase}: ${error.message}`)));
    child.once("exit", (exitCode, signal) => resolve(exitCode ?? (signal ? 128 + signalNumber(signal) : 1)));
  });
}

/** @param {number} port */
function movedEmulators(port) {
  return {
    firestore: { host: "127.0.0.1", port },
    functions: { host: "127.0.0.1", port: port + 1 },
    hub: { host: "127.0.0.1", port: port + 2 },
    logging: { host: "127.0.0.1", port: port + 3 },
    auth: { host: "127.0.0.1", port: port + 4 },
    tasks: { host: "127.0.0.1", port: port + 5 },
    hosting: { host: "127.0.0.1", port: port + 6 },
  };
}

/**
 * A firebase config of the repository (firebase.json, or a port-moved copy): the emulators' addresses are all read of it.
 * @param {string} file relative to the repo root
 * @returns {{ emulators?: Record<string, { host?: string, port?: number }> } & Record<string, unknown>}
 */
function readFirebaseConfig(file) {
  /** @type {unknown} */
  const parsed = JSON.parse(readFileSync(join(repoRoot, file), "utf8"));
  return /** @type {{ emulators?: Record<string, { host?: string, port?: number }> }} */ (parsed);
}

/**
 * Where an emulator listens in a session started now: firebase.json's address, or the moved one under
 * EMULATOR_PORT_BASE (for a caller outside the session, such as the local stack printing the page's address).
 * @param {"firestore" | "functions" | "auth" | "tasks" | "hosting"} name
 * @returns {{ host: string, port: number } | undefined}
 */
export function emulatorAddress(name) {
  const base = process.env.EMULATOR_PORT_BASE;
  if (base) return movedEmulators(Number(base))[name];
  const config = readFirebaseConfig("firebase.json");
  const entry = config.emulators?.[name];
  return entry?.port ? { host: entry.host ?? "127.0.0.1", port: entry.port } : undefined;
}

/**
 * firebase.json, or with EMULATOR_PORT_BASE=N a copy in the repo root (gitignored) whose emulators listen on
 * N (Firestore), N+1 (Functions), N+2 (hub), N+3 (logging), N+4 (Auth), N+5 (Cloud Tasks) and N+6 (Hosting, the
 * results page): several emulator sessions on one machine. (firebase-tools starts the Tasks emulator with every
 * Functions emulator, so its port must move too, or two sessions would both claim 9499.)
 * @param {string | undefined} base
 */
function configForPortBase(base) {
  if (!base) return "firebase.json";
  const port = Number(base);
  if (!Number.isInteger(port) || port < 1024 || port > 65000)
    throw new Error(`EMULATOR_PORT_BASE=${base}: expected a port number from 1024 to 65000`);
  const config = readFirebaseConfig("firebase.json");
  config.emulators = { ...config.emulators, ...movedEmulators(port) };
  const file = `.firebase-ports-${port}.json`;
  writeFileSync(join(repoRoot, file), `${JSON.stringify(config, null, 2)}\n`);
  return file;
}

/** The host and port the config gives each emulator; firebase-tools moves the hub and logger itself, not these. */
function configuredPorts(/** @type {string[]} */ only, configFile = "firebase.json") {
  const config = readFirebaseConfig(configFile);
  return only.flatMap((name) => {
    const entry = config.emulators?.[name];
    return entry?.port ? [{ name, host: entry.host ?? "127.0.0.1", port: entry.port }] : [];
  });
}

/** @param {string} host @param {number} port @returns {Promise<boolean>} */
function portIsFree(host, port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** @param {string[]} only @param {number} waitSeconds */
async function waitForFreePorts(only, waitSeconds, configFile = "firebase.json") {
  const until = Date.now() + waitSeconds * 1000;
  let announced = false;
  for (;;) {
    const busy = [];
    for (const { name, host, port } of configuredPorts(only, configFile))
      if (!(await portIsFree(host, port))) busy.push(`${name} ${host}:${port}`);
    if (busy.length === 0) return;
    const what = `port${busy.length > 1 ? "s" : ""} ${busy.join(", ")} in use (another emulator session, or \`npm run emulators\`?)`;
    if (Date.now() >= until) {
      throw new Error(`${what}: stop it and run again${waitSeconds ? `; waited ${waitSeconds} s` : ""}`);
    }
    if (!announced) console.error(`with-emulators: ${what}; waiting up to ${waitSeconds} s for it to finish`);
    announced = true;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/**
 * emulators:exec runs its script through a shell; quoting every argument keeps it one word there.
 * @param {string} arg
 */
function shellQuote(arg) {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** @param {NodeJS.Signals} signal */
function signalNumber(signal) {
  /** @type {Partial<Record<NodeJS.Signals, number>>} */
  const numbers = { SIGINT: 2, SIGTERM: 15, SIGKILL: 9 };
  return numbers[signal] ?? 1;
}

/** @param {string[]} argv */
function parseArgs(argv) {
  const separator = argv.indexOf("--");
  if (separator === -1) throw new Error(USAGE);
  const options = argv.slice(0, separator);
  const command = argv.slice(separator + 1);
  let only = DEFAULT_EMULATORS;
  let timeoutSeconds = DEFAULT_TIMEOUT_S;
  let waitPortsSeconds = 0;
  for (let i = 0; i < options.length; i += 1) {
    const [name, inline] = String(options[i]).split("=", 2);
    if (name !== "--only" && name !== "--timeout" && name !== "--wait-ports") throw new Error(`unknown option ${options[i]}; ${USAGE}`);
    const value = inline ?? options[++i];
    if (value === undefined) throw new Error(`${name} needs a value; ${USAGE}`);
    if (name === "--only") only = value.split(",").filter(Boolean);
    else if (name === "--timeout" && Number(value) > 0) timeoutSeconds = Number(value);
    else if (name === "--wait-ports" && Number(value) >= 0) waitPortsSeconds = Number(value);
    else throw new Error(`bad option ${options[i]}; ${USAGE}`);
  }
  return { only, command, timeoutSeconds, waitPortsSeconds };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const { only, command, timeoutSeconds, waitPortsSeconds } = parseArgs(process.argv.slice(2));
    process.exitCode = await runWithEmulators(command, { only, timeoutSeconds, waitPortsSeconds });
  } catch (error) {
    console.error(`with-emulators: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  }
}
