// Runs inside `npm run emulators`: loads the seeds, says what to do next, then waits until stopped.
import { loadSeeds } from "../local/client/load-seeds";
import { writeSeeds } from "../local/client/write-seeds";
import { formatIssues } from "../shared/config/config-issue";
import { getDb } from "../shared/pipeline/firestore";
import { useFirestoreTarget } from "./firestore-target";
import { validationFromEnv } from "./tool-io";

const target = await useFirestoreTarget(undefined);
const seeds = await loadSeeds("seeds", validationFromEnv());
for (const { file, issues } of seeds.invalid) process.stderr.write(`refused ${file}:\n${formatIssues(issues)}\n`);
const written = await writeSeeds(await getDb(), seeds);
process.stdout.write(
  [
    "",
    `Emulators ready: ${target}. Seeded jobs (pending): ${written.jobs.join(", ")}.`,
    "In another terminal:",
    `  npm run start-job -- ${written.jobs[0] ?? "<jobId>"}     start a job and follow it`,
    "  npm run watch -- <jobId>        follow a job's current run",
    "  npm run seed                    reload seeds/ after editing them",
    "Ctrl-C stops the emulators.",
    "",
  ].join("\n"),
);
await new Promise<never>(() => setInterval(() => {}, 1 << 30));
