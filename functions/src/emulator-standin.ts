// In the Functions emulator with no model key, the functions answer through the offline stand-in. The emulator runs
// concurrent invocations in separate worker processes, and a vendor batch job must outlive the invocation that made
// it, so the stand-in is one process of its own per emulator session: the first worker that needs it starts it,
// detached, on the session's stand-in port; every other worker finds it there. It stops by itself once the session's
// Emulator Hub stops answering. Deployed functions never get here (see getPipeline in trigger-bodies.ts).
import { spawn } from "node:child_process";
import { join } from "node:path";

/** Overrides the port the session's stand-in listens on. */
export const STANDIN_PORT_ENV = "MODEL_STANDIN_PORT";
/**
 * The stand-in listens this far above the Emulator Hub's port (4400 by default, so 4407): fixed for a session and
 * different for two sessions on one machine, whose hubs cannot share a port.
 */
const HUB_PORT_OFFSET = 7;
const START_TIMEOUT_MS = 15_000;

export interface EmulatorStandin {
  url: string;
  /** The shared stand-in belongs to the session, not to the worker: a worker leaves it running. */
  close(): Promise<void>;
}

/** Where this session's stand-in listens, and the hub whose end stops it. */
export function emulatorStandinAddress(env: NodeJS.ProcessEnv): { port: number; hub: string } {
  const hub = env.FIREBASE_EMULATOR_HUB?.trim();
  if (!hub) throw new Error("FIREBASE_EMULATOR_HUB is not set: the offline stand-in starts only inside the Firebase emulators");
  const hubPort = Number(hub.slice(hub.lastIndexOf(":") + 1));
  const port = Number(env[STANDIN_PORT_ENV]?.trim() || hubPort + HUB_PORT_OFFSET);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${STANDIN_PORT_ENV}=${env[STANDIN_PORT_ENV]} (or the hub address ${hub}) gives no port for the offline stand-in`);
  }
  return { port, hub };
}

/**
 * The session's stand-in: the one already listening on its port, else one started now from `script` (the stand-in
 * bundle beside this one). Two workers starting it at once both spawn; the second spawn cannot bind the port and exits,
 * and its worker finds the first one's.
 */
export async function attachEmulatorStandin(
  env: NodeJS.ProcessEnv,
  script: string = join(__dirname, "standin.mjs"),
): Promise<EmulatorStandin> {
  const { port, hub } = emulatorStandinAddress(env);
  const url = `http://127.0.0.1:${port}`;
  const handle = { url, close: async () => {} };
  if (await isStandin(url)) return handle;
  try {
    await spawnStandin(script, port, hub);
  } catch (err) {
    if (!(await isStandin(url))) throw err;
  }
  return handle;
}

/** Whether a stand-in answers at `url` (its admin API), rather than nothing or some other server. */
async function isStandin(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/__standin/stats`, { signal: AbortSignal.timeout(2_000) });
    return response.ok && typeof ((await response.json()) as { requests?: unknown }).requests === "number";
  } catch {
    return false;
  }
}

/** Resolves once the stand-in prints that it listens; its own process group, so no worker's end takes it along. */
function spawnStandin(script: string, port: number, hub: string): Promise<void> {
  const child = spawn(process.execPath, [script, "--port", String(port), "--exit-with-hub", hub], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let said = "";
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`the offline stand-in (${script}) did not start on port ${port}: ${why}`));
    };
    const timer = setTimeout(() => fail(`nothing listening after ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    const listen = (chunk: Buffer) => {
      said += chunk.toString("utf8");
      if (!said.includes("listening on")) return;
      clearTimeout(timer);
      // Its output is no longer read: the worker lets go of the pipes so that neither keeps the other alive.
      child.stdout.destroy();
      child.stderr.destroy();
      child.unref();
      resolve();
    };
    child.stdout.on("data", listen);
    child.stderr.on("data", (chunk: Buffer) => (said += chunk.toString("utf8")));
    child.once("error", (err) => fail(err.message));
    child.once("exit", (code) => fail(`it exited with code ${code}: ${said.trim().slice(-300)}`));
  });
}
