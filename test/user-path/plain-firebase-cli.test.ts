// The path a new user takes, with nothing of ours in between: the repository as git would clone it, the README's
// install (`npm ci`), then the Firebase CLI's own commands as typed, with no model key anywhere. Only the machine is
// prepared as a user's is: a Java of 21+ first on PATH and, offline, the Firestore emulator jar (scripts/emulator-env.mjs;
// with internet firebase-tools downloads its own). No project script starts anything, no stand-in URL is passed: the
// functions start their own stand-in, and the install must have built everything the emulators load.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorEnv } from "../../scripts/emulator-env.mjs";

const repoRoot = join(import.meta.dirname, "..", "..");
/** A cold `npm ci` compiles a native module or two; the npm cache the outer install filled makes it quicker. */
const INSTALL_TIMEOUT_MS = 15 * 60_000;
const STANDIN_URL = "http://127.0.0.1:4407"; // the Emulator Hub's port (4400) + 7: functions/src/emulator-standin.ts
/** Variables that would point the functions or the tools somewhere other than where a new user's would go. */
const NOT_A_USERS =
  /^(GEMINI|ANTHROPIC|OPENAI|VERTEX)_|^(FIRESTORE|FIREBASE_AUTH|CLOUD_TASKS|FIREBASE)_EMULATOR_HOST$|^GCLOUD_PROJECT$|^EMULATOR_PORT_BASE$/;

let clone: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  clone = mkdtempSync(join(tmpdir(), "user-clone-"));
  copyRepository(clone);
  env = { ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !NOT_A_USERS.test(name))), ...emulatorEnv() };
  const install = spawnSync("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund"], {
    cwd: clone,
    env,
    encoding: "utf8",
    timeout: INSTALL_TIMEOUT_MS,
  });
  expect(install.status, `npm ci in the clone failed:\n${install.stdout.slice(-3000)}\n${install.stderr.slice(-3000)}`).toBe(0);
}, INSTALL_TIMEOUT_MS + 60_000);

afterAll(() => {
  if (clone) rmSync(clone, { recursive: true, force: true });
});

/** The files a `git clone` of the checkout would hold: tracked ones, and new ones not ignored (a change under test). */
function copyRepository(into: string): void {
  const listed = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: repoRoot, encoding: "utf8" });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  for (const file of listed.stdout.split("\0").filter(Boolean)) {
    const from = join(repoRoot, file);
    let mode: number;
    try {
      mode = statSync(from).mode;
    } catch {
      continue; // tracked but deleted in the work tree
    }
    mkdirSync(dirname(join(into, file)), { recursive: true });
    copyFileSync(from, join(into, file));
    chmodSync(join(into, file), mode);
  }
}

/** Runs a command in the clone to its end; resolves to its exit code and everything it printed. */
function run(command: string, args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  const child = spawn(command, args, { cwd: clone, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  return collect(child, timeoutMs);
}

function collect(
  child: ChildProcess,
  timeoutMs: number,
  onOutput?: (all: string) => void,
): Promise<{ code: number | null; output: string }> {
  let output = "";
  const take = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    onOutput?.(output);
  };
  child.stdout?.on("data", take);
  child.stderr?.on("data", take);
  return new Promise((resolve) => {
    const timer = setTimeout(() => stopGroup(child, "SIGKILL"), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function stopGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function standinAnswers(): Promise<boolean> {
  return fetch(`${STANDIN_URL}/__standin/stats`, { signal: AbortSignal.timeout(1_000) }).then(
    (response) => response.ok,
    () => false,
  );
}

/** Writes a bare task document and a queued job with the Admin SDK, as the README shows, and prints what they became. */
const PROBE = `
import { initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
initializeApp({ projectId: "demo-llm-agent-executor" });
const db = getFirestore();
const step = (prompt, output) => ({ id: "1", step_type: 0, input_config: { payload: {} },
  model_query_config: { model_key: "GEMINI_FLASH", user_prompt: prompt }, output_config: { payload: { [output]: "" } } });
const task = await db.collection("tasks").add({ task_id: "once", steps: [step("Say hi", "hi")], output_config: { payload: { hi: "" } } });
await db.doc("jobs/owl-jokes").create({ job_id: "owl-jokes", status: "queued",
  task_config: { task_id: "joke", input_config: { payload: {} }, steps: [step("Tell me a joke about owls.", "joke")], output_config: { payload: { joke: "" } } } });
const ended = async (ref) => {
  for (let i = 0; i < 240; i++) {
    const data = (await ref.get()).data();
    if (data && ["success", "failed"].includes(data.status)) return data;
    await new Promise((r) => setTimeout(r, 250));
  }
  return (await ref.get()).data();
};
const taskDoc = await ended(task);
const jobDoc = await ended(db.doc("jobs/owl-jokes"));
const output = (await db.doc("outputs/" + task.id).get()).data();
console.log("RESULT " + JSON.stringify({ task: taskDoc, job: jobDoc, output }));
`;

describe("the plain Firebase CLI on a clean clone after the README's install, with no model key", () => {
  it("`firebase emulators:exec` runs a bare task document and a job to success through the functions' own stand-in", async () => {
    writeFileSync(join(clone, "probe.mjs"), PROBE);
    const { code, output } = await run(join(clone, "node_modules", ".bin", "firebase"), ["emulators:exec", "node probe.mjs"], 240_000);
    expect(code, output.slice(-4000)).toBe(0);
    const result = JSON.parse(/^RESULT (.*)$/m.exec(output)?.[1] ?? "null") as {
      task: { status: string; output_payload?: Record<string, string> };
      job: { status: string; output_payload?: Record<string, string> };
      output: { output_payload: Record<string, string> };
    };
    expect(result.task.status).toBe("success");
    expect(result.output.output_payload.hi).toBe("[stand-in gemini-2.5-flash] Say hi");
    expect(result.job.status).toBe("success");
    expect(result.job.output_payload?.joke).toBe("[stand-in gemini-2.5-flash] Tell me a joke about owls.");
    // The emulator log says where the answers come from, and how to switch to a real key.
    expect(output).toContain(`No GEMINI_API_KEY set: model calls go to the offline Gemini stand-in at ${STANDIN_URL}`);
    expect(output).toContain("To call the real models instead, put their keys in functions/.secret.local");
  });

  it("`firebase emulators:start`, then `npm run seed -- -run`: every sample job and the seeded batch succeed; the stand-in ends with the emulators", async () => {
    const emulators = spawn(join(clone, "node_modules", ".bin", "firebase"), ["emulators:start"], {
      cwd: clone,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let ready: () => void = () => {};
    const readyOrExit = new Promise<void>((resolve) => (ready = resolve));
    const session = collect(emulators, 400_000, (all) => all.includes("All emulators ready") && ready());
    void session.then(() => ready());
    try {
      await readyOrExit;
      const seed = await run("npm", ["run", "seed", "--", "-run"], 300_000);
      expect(seed.code, seed.output.slice(-4000)).toBe(0);
      expect(seed.output).toMatch(/Totals: 4\/4 jobs succeeded, 7 tasks, .*; 1\/1 batches succeeded, 24 runs/);
      expect(await standinAnswers()).toBe(true);
    } finally {
      stopGroup(emulators, "SIGINT");
    }
    const { output } = await session;
    expect(output).toContain("All emulators ready");
    expect(output).toContain(`offline Gemini stand-in at ${STANDIN_URL}`);
    // Its Emulator Hub gone, the session's stand-in exits within a few polls.
    const until = Date.now() + 20_000;
    while ((await standinAnswers()) && Date.now() < until) await new Promise((r) => setTimeout(r, 500));
    expect(await standinAnswers()).toBe(false);
  });
});
