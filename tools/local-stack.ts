// Runs a command inside the local stack: built functions, Firestore + Functions + Cloud Tasks emulators, and (without a
// GEMINI_API_KEY) the Gemini stand-in the functions call. Shared by `npm start` and `npm run emulators`.
import { spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { emulatorsAvailable } from "../scripts/emulator-env.mjs";
import { runWithEmulators } from "../scripts/with-emulators.mjs";
import { STANDIN_API_KEY } from "../shared/runtime/create-runtime";
import { startStandin, type Standin } from "../shared/standin/standin-server";

/** The emulator reads declared secrets from here before asking Secret Manager (a network call, and an error offline). */
const SECRET_FILE = "functions/.secret.local";

export const EMULATOR_LOG = ".runs/emulators.log";

/** firebase-tools' own lines ("i  functions: ...", "✔  ...", ">  {function log}"): kept in the log file. */
export const FIREBASE_LINE = /^(?:[i✔⚠>+!✖⬢]\s{1,2}|\s+FirebaseError|Running script:|Serving at port|\s*$|┌|│|└|├)/u;

export interface StackOptions {
  /** Keep firebase-tools' lines out of the terminal (in EMULATOR_LOG); the command's own lines still show. */
  quiet: boolean;
  /** Seconds before the whole run is stopped. */
  timeoutSeconds: number;
}

/** Returns the command's exit code; a machine without the emulators gets a message saying what to install. */
export async function runInLocalStack(command: string[], options: StackOptions): Promise<number> {
  const available = await emulatorsAvailable();
  if (!available.ok) {
    process.stderr.write(`The Firebase emulators cannot start on this machine: ${available.reason}\n`);
    process.stderr.write("Without them you can still run a task locally: npm run task-runner -- -input_path=FILE\n");
    return 1;
  }
  const build = spawnSync(process.execPath, ["scripts/build.mjs", "--emulator"], { stdio: ["ignore", "ignore", "inherit"] });
  if (build.status !== 0) return 1;

  const env: Record<string, string | undefined> = {};
  let standin: Standin | undefined;
  let wroteSecretFile = false;
  if (!process.env.GEMINI_API_KEY?.trim()) {
    // The placeholder means "no key" to the runtime; the file is removed afterwards so that it can never
    // shadow a real key set later in the shell.
    if (!existsSync(SECRET_FILE)) {
      writeFileSync(SECRET_FILE, `GEMINI_API_KEY=${STANDIN_API_KEY}\n`);
      wroteSecretFile = true;
    }
    standin = await startStandin();
    env.GEMINI_BASE_URL = standin.url;
    process.stderr.write(`No GEMINI_API_KEY set: the functions call the offline Gemini stand-in at ${standin.url} (answers echo the prompt).\n`);
  } else {
    process.stderr.write("GEMINI_API_KEY is set: the functions call the real Gemini API.\n");
  }
  mkdirSync(".runs", { recursive: true });
  const log = createWriteStream(EMULATOR_LOG);
  process.stderr.write(`Starting the Firestore, Functions and Cloud Tasks emulators${options.quiet ? ` (their log: ${EMULATOR_LOG})` : ""}...\n`);
  try {
    return await runWithEmulators(command, {
      // Cloud Tasks: the admission queue of batches (named, so that its address reaches the command).
      only: ["firestore", "functions", "tasks"],
      env,
      timeoutSeconds: options.timeoutSeconds,
      waitPortsSeconds: 0,
      onOutput: (line, stream) => {
        log.write(`${line}\n`);
        if (options.quiet && FIREBASE_LINE.test(line)) return;
        (stream === "stderr" ? process.stderr : process.stdout).write(`${line}\n`);
      },
    });
  } finally {
    if (wroteSecretFile) rmSync(SECRET_FILE, { force: true });
    await standin?.close();
    await new Promise((resolve) => log.end(resolve));
    // firebase-tools keeps this file on failure, and it lists the environment (the key among it).
    if (process.env.GEMINI_API_KEY) rmSync("firebase-debug.log", { force: true });
  }
}
