// Runs a tool as a child process (tsx) and reports its exit code, output, wall time and peak memory (bench/peak-rss.mjs).
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./cold-start";

export interface MeasuredRun {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
  peakRssBytes: number;
}

/** `script` is a path from the repository root, e.g. tools/batch.ts; the child inherits the environment plus `env`. */
export function runMeasured(script: string, args: readonly string[], env: Record<string, string> = {}, timeoutMs = 600_000): Promise<MeasuredRun> {
  const dir = mkdtempSync(join(tmpdir(), "peak-rss-"));
  const file = join(dir, "peak");
  const started = performance.now();
  const nodeArgs = ["--import", "tsx", "--import", join(REPO_ROOT, "bench", "peak-rss.mjs"), join(REPO_ROOT, script), ...args];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, nodeArgs, { cwd: REPO_ROOT, env: { ...process.env, ...env, PEAK_RSS_FILE: file }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (err as { code?: unknown }).code : 0;
      try {
        if (typeof code !== "number") return reject(new Error(`${script} did not run: ${err?.message}\n${stderr}`));
        resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1000, peakRssBytes: Number(readFileSync(file, "utf8")) });
      } catch (readError) {
        reject(new Error(`${script} exited ${code} without reporting its peak memory: ${(readError as Error).message}\n${stderr}`));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
