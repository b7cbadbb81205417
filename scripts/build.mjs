// Bundles the Cloud Functions and the shared engine into functions/lib/index.js, the folder `firebase deploy` ships.
import { build, context } from "esbuild";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const entry = join(repoRoot, "functions", "src", "index.ts");
const outfile = join(repoRoot, "functions", "lib", "index.js");

/** A JSON file's value, unknown until the caller says what it holds. */
const readJson = (/** @type {string} */ path) => /** @type {unknown} */ (JSON.parse(readFileSync(path, "utf8")));

// The functions package's own dependencies stay outside the bundle: Cloud Build installs them from
// functions/package.json, and firebase-functions must be the very copy the runtime loads to find the triggers.
const functionsPackage = /** @type {{ dependencies?: Record<string, string> }} */ (readJson(join(repoRoot, "functions", "package.json")));
const dependencies = Object.keys(functionsPackage.dependencies ?? {});
const external = dependencies.flatMap((name) => [name, `${name}/*`]);

// The admission queue's options are fixed when the queue is created: by a deploy, from the function's manifest, which
// firebase-tools reads by loading this bundle without functions/.env in its environment. So they are read here, from
// the environment of the build and then functions/.env, and written into the bundle (shared/batch/queue-config.ts).
// `--emulator` (npm start, npm test, npm run bench): the Functions emulator runs every concurrent dispatch in a worker
// process of its own, so a deployed default of 20 at once would start 20 Node processes on a laptop; 2 keep up with
// the emulator's pace. A deploy builds without the flag.
const forEmulator = process.argv.includes("--emulator");
const queueEnv = { ...(forEmulator ? { BATCH_MAX_CONCURRENT_DISPATCHES: "2" } : {}), ...readQueueEnv() };

// The offline model stand-in, beside the functions but never imported by them: in the Functions emulator, with no
// model key, a worker starts it as a process of its own (functions/src/emulator-standin.ts). Deployed, nothing runs it.
const standinOutfile = join(repoRoot, "functions", "lib", "standin.mjs");

/** @type {import("esbuild").BuildOptions[]} */
const bundles = [
  {
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node20", // the emulator runs the bundle on the host's Node 20; deploy runs it on Node 22
    external,
    sourcemap: true,
    minify: false,
    logLevel: "warning",
    metafile: true,
    define: { __BATCH_QUEUE_ENV__: JSON.stringify(queueEnv) },
  },
  {
    entryPoints: [join(repoRoot, "tools", "standin.ts")],
    outfile: standinOutfile,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "warning",
  },
];

// `--watch`: rebuild on every change of functions/src or shared/; the Functions emulator reloads the functions when
// functions/lib changes, so a running `firebase emulators:start` picks up each edit.
if (process.argv.includes("--watch")) {
  for (const options of bundles) await (await context(options)).watch();
  console.log(`watching functions/src, shared/ and tools/standin.ts: functions/lib is rebuilt on every change (Ctrl-C stops)`);
} else {
  const [result] = await Promise.all(bundles.map((options) => build(options))).catch(() => {
    // esbuild has already printed each error with its file and line.
    console.error(`build failed: fix the errors above in functions/src or shared/, then run \`npm run build\` again`);
    process.exit(1);
  });
  const metafile = /** @type {import("esbuild").Metafile} */ (result?.metafile);
  const local = localOnlyInputs(metafile);
  if (local.length) {
    console.error(
      `build failed: the deployed bundle imports code that only runs locally (${local.join(", ")}): the functions import ` +
        "only functions/src and shared/, and no provider's stand-in protocol (shared/providers/<name>/standin.ts); move " +
        "what they need into shared/, or keep the local code out of their imports",
    );
    process.exit(1);
  }
  report(metafile);
}

/** BATCH_* from the environment, else from functions/.env (KEY=VALUE lines; # comments; optional quotes). */
function readQueueEnv() {
  /** @type {Record<string, string>} */
  const fromFile = {};
  const dotenv = join(repoRoot, "functions", ".env");
  if (existsSync(dotenv)) {
    for (const line of readFileSync(dotenv, "utf8").split(/\r?\n/)) {
      const match = /^\s*(BATCH_[A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
      if (match?.[1] && match[2] !== undefined) fromFile[match[1]] = match[2].replace(/^(["'])(.*)\1$/, "$2");
    }
  }
  /** @type {Record<string, string>} */
  const env = { ...fromFile };
  for (const [name, value] of Object.entries(process.env)) if (name.startsWith("BATCH_") && value !== undefined) env[name] = value;
  return env;
}

/**
 * The bundle's own sources outside functions/src and shared/, the deployed core: the stand-in, the operator tools and
 * everything else under local/ and tools/ must never ship. Nor may a stand-in module inside shared/: each provider's
 * protocol of the offline stand-in (shared/providers/<name>/standin.ts) is local code living in its provider's folder.
 * @param {import("esbuild").Metafile} metafile
 */
function localOnlyInputs(metafile) {
  return Object.keys(metafile.inputs).filter(
    (path) =>
      (!/^(<define:|functions\/src\/|shared\/)|node_modules/.test(path) || /(^|\/)standin([.-][^/]*)?$/.test(path)) &&
      !path.includes("node_modules"),
  );
}

/** @param {import("esbuild").Metafile} metafile */
function report(metafile) {
  const bytes = statSync(outfile).size;
  const inputs = Object.keys(metafile.inputs).filter((path) => !path.includes("node_modules")).length;
  const queue = Object.keys(queueEnv).length
    ? `; batch queue: ${Object.entries(queueEnv)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")}`
    : "";
  console.log(
    `built ${relative(repoRoot, outfile)}: ${(bytes / 1024).toFixed(1)} KiB from ${inputs} source files ` +
      `(external: ${dependencies.join(", ")})${queue}; and ${relative(repoRoot, standinOutfile)}, the offline stand-in`,
  );
}
