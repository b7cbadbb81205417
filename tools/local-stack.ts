// Runs a command inside the local stack: built functions and results page, the Firestore, Functions, Auth, Cloud Tasks
// and Hosting emulators, and the model stand-in the functions call for every provider without a key (and for Vertex
// AI). Shared by `npm start` and `npm run emulators`; prints the results page's address once the emulators are up.
import { spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, rmSync, writeFileSync, type WriteStream } from "node:fs";
import { emulatorsAvailable } from "../scripts/emulator-env.mjs";
import { EMULATOR_PROJECT_ID, emulatorAddress, runWithEmulators } from "../scripts/with-emulators.mjs";
import type { ProviderDefinition } from "../shared/providers/provider-definition";
import { PROVIDER_DEFINITIONS, PROVIDER_SECRETS } from "../shared/providers/registry";
import { STANDIN_API_KEY } from "../shared/runtime/create-runtime";
import { startStandin } from "../local/standin/standin-server";

/** The emulator reads declared secrets from here before asking Secret Manager (a network call, and an error offline). */
const SECRET_FILE = "functions/.secret.local";
/** The secrets functions/src/index.ts declares: every provider's. */
const MODEL_SECRETS = PROVIDER_SECRETS;

export const EMULATOR_LOG = ".runs/emulators.log";

/** An Auth emulator account with the admin claim, so that the seeded jobs (which have no owner) can be read in the page. */
export const LOCAL_ADMIN = { email: "admin@example.com", password: "local-admin" };
const EMULATORS = ["firestore", "functions", "auth", "tasks", "hosting"];

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
  const available = emulatorsAvailable();
  if (!available.ok) {
    process.stderr.write(`The Firebase emulators cannot start on this machine: ${available.reason}\n`);
    process.stderr.write("Without them you can still run a task locally: npm run task-runner -- -input_path=FILE\n");
    return 1;
  }
  if (!buildForEmulators()) return 1;

  const missing = MODEL_SECRETS.filter((name) => !process.env[name]?.trim());
  const wroteSecretFile = writePlaceholderSecrets(missing);
  const standin = await startStandin();
  const { env, notes } = standinRouting(missing, standin.url, process.env);
  for (const note of notes) process.stderr.write(note);
  mkdirSync(".runs", { recursive: true });
  const log = createWriteStream(EMULATOR_LOG);
  process.stderr.write(
    `Starting the Firestore, Functions, Auth, Cloud Tasks and Hosting emulators${options.quiet ? ` (their log: ${EMULATOR_LOG})` : ""}...\n`,
  );
  try {
    return await runWithEmulators(command, {
      only: EMULATORS,
      env,
      timeoutSeconds: options.timeoutSeconds,
      waitPortsSeconds: 0,
      onOutput: stackOutput(log, options.quiet),
    });
  } finally {
    if (wroteSecretFile) rmSync(SECRET_FILE, { force: true });
    await standin.close();
    await new Promise((resolve) => log.end(resolve));
    // firebase-tools keeps this file on failure, and it lists the environment (the key among it).
    if (missing.length < MODEL_SECRETS.length) rmSync("firebase-debug.log", { force: true });
  }
}

/** Builds what the emulators load: the functions bundle and the results page. False when a build failed (it said why). */
function buildForEmulators(): boolean {
  const build = spawnSync(process.execPath, ["scripts/build.mjs", "--emulator"], { stdio: ["ignore", "ignore", "inherit"] });
  if (build.status !== 0) return false;
  const buildWeb = spawnSync(process.execPath, ["node_modules/vite/bin/vite.js", "build", "web"], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  return buildWeb.status === 0;
}

/**
 * The emulator wants a value for each declared secret; the placeholder means "no key" to the runtime. The file is
 * removed afterwards so that it can never shadow a real key set later in the shell: true when it was written here.
 */
function writePlaceholderSecrets(missing: readonly string[]): boolean {
  if (!missing.length || existsSync(SECRET_FILE)) return false;
  writeFileSync(SECRET_FILE, missing.map((name) => `${name}=${STANDIN_API_KEY}\n`).join(""));
  return true;
}

/**
 * The functions' environment sending each provider without a key to the stand-in (its definition's baseUrlEnv), and
 * the lines telling the user so. One stand-in answers every provider: a provider whose secrets are all missing goes
 * there (Vertex AI, which has none, always: a demo project has no Vertex AI), unless the shell names its base URL.
 */
function standinRouting(missing: readonly string[], standinUrl: string, shellEnv: NodeJS.ProcessEnv) {
  const env: Record<string, string | undefined> = {};
  const notes: string[] = [];
  const definitions: readonly ProviderDefinition[] = PROVIDER_DEFINITIONS;
  for (const { label, secrets, baseUrlEnv, standinPath } of definitions) {
    const keyed = secrets.filter((name) => !missing.includes(name));
    if (keyed.length) {
      notes.push(`${keyed.join(", ")} set: the functions call ${label} with it.\n`);
      continue;
    }
    const shellUrl = shellEnv[baseUrlEnv]?.trim();
    const url = shellUrl || `${standinUrl}${standinPath ?? ""}`;
    env[baseUrlEnv] = url;
    const why = secrets.length ? `No ${secrets.join(", ")} set: ` : "";
    notes.push(
      `${why}${label} calls go to ${shellUrl ? `${baseUrlEnv}, ${url}` : `the offline stand-in at ${url} (answers echo the prompt)`}.\n`,
    );
  }
  return { env, notes };
}

/** Every line goes to EMULATOR_LOG; the terminal gets the command's lines, and firebase-tools' too unless `quiet`. */
function stackOutput(log: WriteStream, quiet: boolean): (line: string, stream: "stdout" | "stderr") => void {
  let announced = false;
  return (line, stream) => {
    log.write(`${line}\n`);
    // firebase-tools runs the command once every emulator is up: the page is being served.
    if (!announced && line.includes("Running script:")) {
      announced = true;
      void announcePage();
    }
    if (quiet && FIREBASE_LINE.test(line)) return;
    (stream === "stderr" ? process.stderr : process.stdout).write(`${line}\n`);
  };
}

/** Prints where the results page is and how to sign in, after making the local admin account on the Auth emulator. */
async function announcePage(): Promise<void> {
  const hosting = emulatorAddress("hosting");
  const auth = emulatorAddress("auth");
  if (!hosting || !auth) return;
  const admin = await createLocalAdmin(`${auth.host}:${auth.port}`).then(
    () => `${LOCAL_ADMIN.email} / ${LOCAL_ADMIN.password} (an admin: sees every job, the seeded ones too)`,
    (error: unknown) => `(could not make the local admin account: ${error instanceof Error ? error.message : String(error)})`,
  );
  process.stderr.write(
    `Results page: http://${hosting.host}:${hosting.port}/  sign in on the Auth emulator as ${admin}, or with any other email (sees only what it submits).\n`,
  );
}

/**
 * The Auth emulator's REST API: sign up, then set the admin claim and mark the email verified (SUBMITTERS admits verified
 * addresses); the emulator takes `Bearer owner` as an admin credential.
 */
async function createLocalAdmin(authHost: string): Promise<void> {
  const base = `http://${authHost}/identitytoolkit.googleapis.com/v1`;
  const call = async (path: string, body: unknown) => {
    const response = await fetch(`${base}/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer owner" },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as { localId: string };
  };
  const { localId } = await call("accounts:signUp?key=local", { email: LOCAL_ADMIN.email, password: LOCAL_ADMIN.password });
  await call(`projects/${EMULATOR_PROJECT_ID}/accounts:update`, {
    localId,
    customAttributes: JSON.stringify({ admin: true }),
    emailVerified: true,
  });
}
