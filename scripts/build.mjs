// Bundles the Cloud Functions and the shared engine into functions/lib/index.js, the folder `firebase deploy` ships.
import { build } from "esbuild";
import { readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const entry = join(repoRoot, "functions", "src", "index.ts");
const outfile = join(repoRoot, "functions", "lib", "index.js");

// The functions package's own dependencies stay outside the bundle: Cloud Build installs them from
// functions/package.json, and firebase-functions must be the very copy the runtime loads to find the triggers.
const functionsPackage = JSON.parse(readFileSync(join(repoRoot, "functions", "package.json"), "utf8"));
const dependencies = Object.keys(functionsPackage.dependencies ?? {});
const external = dependencies.flatMap((name) => [name, `${name}/*`]);

const result = await build({
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
}).catch(() => {
  // esbuild has already printed each error with its file and line.
  console.error(`build failed: fix the errors above in functions/src or shared/, then run \`npm run build\` again`);
  process.exit(1);
});

const bytes = statSync(outfile).size;
const inputs = Object.keys(result.metafile.inputs).filter((path) => !path.includes("node_modules")).length;
console.log(
  `built ${relative(repoRoot, outfile)}: ${(bytes / 1024).toFixed(1)} KiB from ${inputs} source files ` +
    `(external: ${dependencies.join(", ")})`,
);
