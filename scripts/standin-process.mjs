// Starts the Gemini stand-in (tools/standin.ts) as its own process on a free port, for the Functions workers.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const START_TIMEOUT_MS = 30_000;

/**
 * Resolves once the stand-in prints the URL it listens on. Its own process, so that the emulator's function
 * workers, the tests and the soak can all reach the one stand-in (and read its stats) over HTTP.
 * @returns {Promise<{ url: string, stop: () => void }>}
 */
export function startStandinProcess() {
  const tsx = join(repoRoot, "node_modules", ".bin", process.platform === "win32" ? "tsx.cmd" : "tsx");
  const child = spawn(tsx, [join(repoRoot, "tools", "standin.ts"), "--port", "0"], { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`the Gemini stand-in (tools/standin.ts) printed no URL within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    child.stdout.on("data", (/** @type {Buffer} */ chunk) => {
      seen += chunk.toString("utf8");
      const url = /https?:\/\/127\.0\.0\.1:\d+/.exec(seen)?.[0];
      if (url) {
        clearTimeout(timer);
        child.stdout.resume();
        resolve({ url, stop: () => child.kill() });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the Gemini stand-in (tools/standin.ts) exited with code ${code} before listening`));
    });
  });
}
