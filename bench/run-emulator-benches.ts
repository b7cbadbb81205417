// Starts a stand-in and an emulator session (with the bare codebase), runs emulator-benches.ts in it, returns its results.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emulatorsAvailable } from "../scripts/emulator-env.mjs";
import { startStandin } from "../local/standin/standin-server";
import { EMULATOR_BENCHES, type BenchName } from "./bench-results";
import { REPO_ROOT } from "./cold-start";
import type { EmulatorBenchOutput } from "./emulator-benches";
import { runInBenchEmulators } from "./emulator-session";

export const EMULATOR_LOG = ".runs/bench-emulators.log";
/**
 * Only stops a wedged session. The emulator benches together run about 8 minutes on a quiet 2-core machine, the
 * response store's 4,500 trigger events among them; on a loaded one the same work has taken twice that.
 */
const SESSION_TIMEOUT_S = 1800;

export async function runEmulatorBenches(options: {
  portBase: number;
  smoke: boolean;
  only: readonly BenchName[];
}): Promise<EmulatorBenchOutput> {
  const names = EMULATOR_BENCHES.filter((n) => options.only.includes(n));
  const notRun = (reason: string): EmulatorBenchOutput => ({ details: {}, errors: Object.fromEntries(names.map((n) => [n, reason])) });
  if (names.length === 0) return { details: {}, errors: {} };
  const available = emulatorsAvailable();
  if (!available.ok) return notRun(available.reason);

  const dir = mkdtempSync(join(tmpdir(), "bench-emulators-"));
  const out = join(dir, "results.json");
  // In this process, so that the benchmarks can set its knobs through the admin API like any other client.
  const standin = await startStandin();
  try {
    const tsx = join(REPO_ROOT, "node_modules", ".bin", "tsx");
    const command = [
      tsx,
      join("bench", "emulator-benches.ts"),
      "--out",
      out,
      "--standin",
      standin.url,
      "--only",
      names.join(","),
      ...(options.smoke ? ["--smoke"] : []),
    ];
    let code: number;
    try {
      code = await runInBenchEmulators(command, {
        portBase: options.portBase,
        // Never the real Gemini from a benchmark; the workers inherit this environment.
        env: { GEMINI_API_KEY: undefined, GEMINI_BASE_URL: standin.url },
        timeoutSeconds: SESSION_TIMEOUT_S,
        logFile: join(REPO_ROOT, EMULATOR_LOG),
      });
    } catch (error) {
      return notRun(error instanceof Error ? error.message : String(error));
    }
    try {
      return JSON.parse(readFileSync(out, "utf8")) as EmulatorBenchOutput;
    } catch {
      return notRun(`the emulator session ended (exit ${code}) without results; see ${EMULATOR_LOG}`);
    }
  } finally {
    await standin.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
