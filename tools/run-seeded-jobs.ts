// Runs inside `npm start`: every seed through the real triggers (tools/run-seeds.ts), then exits with the outcome.
import { getDb } from "../shared/pipeline/firestore";
import { useBatchTarget } from "./batch-target";
import { runSeeds } from "./run-seeds";
import { validationFromEnv } from "./tool-io";

await useBatchTarget(undefined);
const code = await runSeeds({
  db: await getDb(),
  validation: validationFromEnv(),
  dir: "seeds",
  full: process.argv.includes("--full"),
  print: (line) => process.stdout.write(`${line}\n`),
});
process.exit(code);
