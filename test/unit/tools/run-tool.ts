// Runs a command-line tool as a child process (tsx, cwd = repo root) with no Gemini key, so its model calls go to the stand-in.
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const TSX = join(ROOT, "node_modules", ".bin", process.platform === "win32" ? "tsx.cmd" : "tsx");

export interface ToolRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The parent's environment minus everything that would send a child's model calls anywhere but its own stand-in. */
export function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of ["GEMINI", "ANTHROPIC", "OPENAI", "VERTEX"]) {
    delete env[`${name}_API_KEY`];
    if (!extra[`${name}_BASE_URL`]) delete env[`${name}_BASE_URL`];
  }
  // A project would send Vertex AI steps to the real Vertex AI.
  for (const name of ["GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT", "VERTEX_PROJECT", "FIREBASE_CONFIG"]) delete env[name];
  delete env.LLM_MODEL_TABLE;
  delete env.LLM_PRICE_TABLE;
  return env;
}

export function runTool(tool: string, args: readonly string[], extraEnv: Record<string, string> = {}): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    execFile(
      TSX,
      [join("tools", `${tool}.ts`), ...args],
      { cwd: ROOT, env: offlineEnv(extraEnv), timeout: 30_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        // A non-zero exit is an outcome under test; only a failure to run at all (or a timeout) is an error.
        const code = err ? (err as { code?: unknown }).code : 0;
        if (typeof code !== "number") return reject(new Error(`${tool} did not run: ${err?.message}\n${stderr}`));
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "llm-tools-"));
}

/** Writes `config` (an object, or text as is) to `dir/name` and returns the path. */
export async function writeConfig(dir: string, name: string, config: unknown): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, typeof config === "string" ? config : JSON.stringify(config, null, 2), "utf8");
  return file;
}

export const BANNER = "No GEMINI_API_KEY set: model calls go to the offline Gemini stand-in";
