// Benchmark 5: time to load the deployed functions bundle in a fresh Node process, against a bare one-trigger module.
import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { median, round } from "./stats";

const benchDir = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = join(benchDir, "..");
export const FUNCTIONS_BUNDLE = join(REPO_ROOT, "functions", "lib", "index.js");
export const BARE_TRIGGER_MODULE = join(benchDir, "bare-trigger.cjs");

export interface ColdStartOptions {
  /** Fresh processes per module, alternated. */
  repeats: number;
  /** The module measured (default: the built bundle) and its bound (default: the bare trigger). */
  entry?: string;
  bare?: string;
}

export const COLD_START_DEFAULTS: ColdStartOptions = { repeats: 30 };

export interface ColdStartResult {
  cold_start_ms: number;
  bare_cold_start_ms: number;
  /** Median of the per-pair ratios (ours / bare). */
  cold_start_ratio: number;
  bundle_bytes: number;
  repeats: number;
}

// Times the require() alone: Node's own start-up is the same for both and would only dilute the ratio.
const LOADER =
  "const t=process.hrtime.bigint();require(process.argv[1]);process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))";

function loadMs(modulePath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    // As a trigger's instance loads it: Cloud Functions names the function it serves in FUNCTION_TARGET.
    const env = { ...process.env, FUNCTION_TARGET: process.env.FUNCTION_TARGET ?? "runTask" };
    const child = spawn(process.execPath, ["-e", LOADER, modulePath], { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.once("error", (error) => (clearTimeout(timer), reject(error)));
    child.once("exit", (code) => {
      clearTimeout(timer);
      const ms = Number(out);
      if (code === 0 && out && Number.isFinite(ms)) resolve(ms);
      else
        reject(
          new Error(
            `cold-start: loading ${modulePath} in a fresh node failed (exit ${code}): ${err.trim().split("\n").slice(0, 5).join(" | ")}`,
          ),
        );
    });
  });
}

export async function measureColdStart(options: ColdStartOptions = COLD_START_DEFAULTS): Promise<ColdStartResult> {
  const entry = options.entry ?? FUNCTIONS_BUNDLE;
  const bare = options.bare ?? BARE_TRIGGER_MODULE;
  if (!existsSync(entry)) throw new Error(`cold-start: ${entry} is missing; run \`npm run build\` first`);
  // One untimed load of each fills the OS file cache, as a warm host would have it.
  await loadMs(entry);
  await loadMs(bare);
  const ours: number[] = [];
  const bound: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < options.repeats; r++) {
    // Alternate which loads first, so that neither always finds the other's pages in the file cache.
    let a: number;
    let b: number;
    if (r % 2) {
      b = await loadMs(bare);
      a = await loadMs(entry);
    } else {
      a = await loadMs(entry);
      b = await loadMs(bare);
    }
    ours.push(a);
    bound.push(b);
    ratios.push(a / b);
  }
  return {
    cold_start_ms: round(median(ours)),
    bare_cold_start_ms: round(median(bound)),
    cold_start_ratio: round(median(ratios), 3),
    bundle_bytes: statSync(entry).size,
    repeats: options.repeats,
  };
}
