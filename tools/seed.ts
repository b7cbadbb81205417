// seed: validates every job config in seeds/ (and the library in seeds/task_configs/) and loads them into Firestore;
// with -run, also runs them all through the triggers of the emulators (or project) it loaded them into.
import { loadSeeds } from "../local/client/load-seeds";
import { writeSeeds } from "../local/client/write-seeds";
import { formatIssues } from "../shared/config/config-issue";
import { getDb } from "../shared/pipeline/firestore";
import { useBatchTarget } from "./batch-target";
import { defineTool } from "./cli-args";
import { projectFlag, useFirestoreTarget } from "./firestore-target";
import { runSeeds } from "./run-seeds";
import { EXIT_FAILED, EXIT_OK, runTool, validationFromEnv } from "./tool-io";

const spec = defineTool({
  name: "seed",
  summary:
    "Loads the job configs in seeds/*.json into jobs/ (as `pending`: start one with `npm run start-job -- <jobId>`)\n" +
    "and the library tasks in seeds/task_configs/*.json into task_configs/. Each file is validated first;\n" +
    "invalid ones are refused with every problem listed (exit 1), the valid ones still load.\n" +
    "With -run it then starts every seeded job and submits every batch in seeds/batches/, follows them to their end\n" +
    "through the running functions (`firebase emulators:start` in another terminal), and exits 0 only if all succeeded.",
  flags: {
    dir: { type: "string", value: "DIR", description: "the seeds folder (default seeds)" },
    run: { type: "boolean", description: "also start every seeded job and batch and follow them to their end" },
    full: { type: "boolean", description: "with -run: print output values whole" },
    project: projectFlag,
  },
  examples: ["npm run seed", "npm run seed -- -run", "npm run seed -- -project=my-firebase-project"],
});

await runTool(spec, async ({ dir, run, full, project }) => {
  const validation = validationFromEnv();
  if (run) {
    const target = await useBatchTarget(project);
    process.stdout.write(`Running the seeds in ${target}\n`);
    const print = (line: string) => process.stdout.write(`${line}\n`);
    return runSeeds({ db: await getDb(), validation, dir: dir ?? "seeds", full, print });
  }
  const target = await useFirestoreTarget(project);
  const seeds = await loadSeeds(dir ?? "seeds", validation);
  for (const { file, issues } of seeds.invalid)
    process.stderr.write(`seed: refused ${file}:\n${formatIssues(issues).replace(/^/gm, "  ")}\n`);
  const written = await writeSeeds(await getDb(), seeds);
  process.stdout.write(
    `Seeded ${target}: jobs ${written.jobs.join(", ") || "(none)"}; library tasks ${written.library.join(", ") || "(none)"}\n`,
  );
  return seeds.invalid.length ? EXIT_FAILED : EXIT_OK;
});
