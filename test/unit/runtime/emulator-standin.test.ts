// The stand-in of an emulator session (functions/src/emulator-standin.ts), driven as the Functions emulator's workers
// drive it: several attach at once and get one stand-in process, which outlives them and ends with the session's hub.
// The hub is a small HTTP server answering GET /emulators, as the Emulator Hub does; the stand-in is the real bundle.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attachEmulatorStandin, emulatorStandinAddress } from "../../../functions/src/emulator-standin";

let dir: string;
let script: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "emulator-standin-"));
  script = join(dir, "standin.mjs");
  // As scripts/build.mjs builds it beside the functions bundle.
  await build({ entryPoints: ["tools/standin.ts"], outfile: script, bundle: true, format: "esm", platform: "node", logLevel: "warning" });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function startHub(): Promise<{ address: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => res.writeHead(req.url === "/emulators" ? 200 : 404).end("{}"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { address: `127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const answers = (url: string) =>
  fetch(`${url}/__standin/stats`, { signal: AbortSignal.timeout(1_000) }).then(
    (r) => r.ok,
    () => false,
  );

describe("the stand-in of an emulator session", () => {
  it("listens on the hub's port + 7 unless MODEL_STANDIN_PORT says otherwise, and refuses to start outside the emulators", () => {
    expect(emulatorStandinAddress({ FIREBASE_EMULATOR_HUB: "127.0.0.1:4400" })).toEqual({ port: 4407, hub: "127.0.0.1:4400" });
    expect(emulatorStandinAddress({ FIREBASE_EMULATOR_HUB: "127.0.0.1:4400", MODEL_STANDIN_PORT: "9911" }).port).toBe(9911);
    expect(() => emulatorStandinAddress({})).toThrow("FIREBASE_EMULATOR_HUB is not set");
    expect(() => emulatorStandinAddress({ FIREBASE_EMULATOR_HUB: "127.0.0.1:4400", MODEL_STANDIN_PORT: "x" })).toThrow(
      /MODEL_STANDIN_PORT=x/,
    );
  });

  it("five workers attaching at once share one stand-in, which answers model calls, outlives them and exits once the hub is gone", async () => {
    const hub = await startHub();
    const env = { FIREBASE_EMULATOR_HUB: hub.address, MODEL_STANDIN_PORT: String(await freePort()) };
    const attached = await Promise.all(Array.from({ length: 5 }, () => attachEmulatorStandin(env, script)));
    const url = attached[0]!.url;
    expect(new Set(attached.map((s) => s.url))).toEqual(new Set([url]));
    // A worker letting go leaves the session's stand-in running.
    await Promise.all(attached.map((s) => s.close()));
    const answer = await fetch(`${url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hello" }] }] }),
    });
    expect(await answer.json()).toMatchObject({ candidates: [{ content: { parts: [{ text: "[stand-in gemini-2.5-flash] hello" }] } }] });
    // A later worker finds the same one rather than starting another.
    expect((await attachEmulatorStandin(env, script)).url).toBe(url);
    await hub.close();
    const until = Date.now() + 15_000;
    while ((await answers(url)) && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
    expect(await answers(url)).toBe(false);
  });

  it("says why when the stand-in's port is held by something that is not a stand-in", async () => {
    const hub = await startHub();
    const squatter = createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => squatter.listen(0, "127.0.0.1", resolve));
    const port = (squatter.address() as AddressInfo).port;
    try {
      await expect(attachEmulatorStandin({ FIREBASE_EMULATOR_HUB: hub.address, MODEL_STANDIN_PORT: String(port) }, script)).rejects.toThrow(
        new RegExp(`did not start on port ${port}: it exited with code 2`),
      );
    } finally {
      squatter.close();
      await hub.close();
    }
  });
});
