// Runs a tool as a child process (tsx) and reports its exit code, output, wall time and peak memory (bench/peak-rss.mjs).
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { constants as osConstants, tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./cold-start";

export interface MeasuredRun {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
  /** NaN when the process died before it could say (killed, out of memory). */
  peakRssBytes: number;
}

/** `script` is a path from the repository root, e.g. tools/batch.ts; the child inherits the environment plus `env`. */
export function runMeasured(
  script: string,
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 600_000,
): Promise<MeasuredRun> {
  const dir = mkdtempSync(join(tmpdir(), "peak-rss-"));
  const file = join(dir, "peak");
  const started = performance.now();
  const nodeArgs = ["--import", "tsx", "--import", join(REPO_ROOT, "bench", "peak-rss.mjs"), join(REPO_ROOT, script), ...args];
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      nodeArgs,
      { cwd: REPO_ROOT, env: { ...process.env, ...env, PEAK_RSS_FILE: file }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        // A process killed by a signal (out of memory aborts) has no exit code: report it as the shell would, 128 + n.
        const failure = err as (Error & { code?: unknown; signal?: NodeJS.Signals | null }) | null;
        const code = !failure
          ? 0
          : typeof failure.code === "number"
            ? failure.code
            : failure.signal
              ? 128 + (osConstants.signals[failure.signal] ?? 0)
              : undefined;
        if (code === undefined) return reject(new Error(`${script} did not run: ${failure?.message}\n${stderr}`));
        // No file when the process died before its exit handlers ran.
        const peakRssBytes = existsSync(file) ? Number(readFileSync(file, "utf8")) : Number.NaN;
        rmSync(dir, { recursive: true, force: true });
        resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1000, peakRssBytes });
      },
    );
  });
}
