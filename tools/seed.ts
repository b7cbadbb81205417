// seed: validates every job config in seeds/ (and the library in seeds/task_configs/) and loads them into Firestore.
import { loadSeeds } from "../shared/client/load-seeds";
import { writeSeeds } from "../shared/client/write-seeds";
import { formatIssues } from "../shared/config/config-issue";
import { getDb } from "../shared/pipeline/firestore";
import { defineTool } from "./cli-args";
import { projectFlag, useFirestoreTarget } from "./firestore-target";
import { EXIT_FAILED, EXIT_OK, runTool, validationFromEnv } from "./tool-io";

const spec = defineTool({
  name: "seed",
  summary:
    "Loads the job configs in seeds/*.json into jobs/ (as `pending`: start one with `npm run start-job -- <jobId>`)\n" +
    "and the library tasks in seeds/task_configs/*.json into task_configs/. Each file is validated first;\n" +
    "invalid ones are refused with every problem listed (exit 1), the valid ones still load.",
  flags: {
    dir: { type: "string", value: "DIR", description: "the seeds folder (default seeds)" },
    project: projectFlag,
  },
  examples: ["npm run seed", "npm run seed -- -project=my-firebase-project"],
});

await runTool(spec, async ({ dir, project }) => {
  const target = await useFirestoreTarget(project);
  const seeds = await loadSeeds(dir ?? "seeds", validationFromEnv());
  for (const { file, issues } of seeds.invalid)
    process.stderr.write(`seed: refused ${file}:\n${formatIssues(issues).replace(/^/gm, "  ")}\n`);
  const written = await writeSeeds(await getDb(), seeds);
  process.stdout.write(
    `Seeded ${target}: jobs ${written.jobs.join(", ") || "(none)"}; library tasks ${written.library.join(", ") || "(none)"}\n`,
  );
  return seeds.invalid.length ? EXIT_FAILED : EXIT_OK;
});
