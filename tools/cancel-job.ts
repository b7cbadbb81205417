// cancel-job: stops a job; no successor is committed after it, and the job ends `cancelled`.
import { cancelJob } from "../shared/pipeline/cancel-job";
import { getDb } from "../shared/pipeline/firestore";
import { defineTool } from "./cli-args";
import { projectFlag, useFirestoreTarget } from "./firestore-target";
import { EXIT_FAILED, EXIT_OK, runTool } from "./tool-io";

const spec = defineTool({
  name: "cancel-job",
  summary:
    "Cancels a pending, queued or running job: it ends `cancelled` at once and no further task of it is committed.\n" +
    "A task already running finishes (its output is kept) but starts no successor; a task committed but not yet\n" +
    "started ends failed with code `cancelled` without running. `start-job` starts a new run of it later.",
  positionals: [{ name: "jobId", description: "the jobs/ document id", required: true }],
  flags: { project: projectFlag },
  examples: ["npm run cancel-job -- chained_story_job"],
});

await runTool(spec, async ({ project }, [jobId]) => {
  process.stderr.write(`Using ${await useFirestoreTarget(project)}.\n`);
  const result = await cancelJob({ db: await getDb() }, jobId!);
  if (result.kind === "not_ended") {
    process.stderr.write(`cancel-job: jobs/${jobId} was not cancelled: ${result.reason}\n`);
    return EXIT_FAILED;
  }
  const inFlight = result.currentTaskDocId
    ? `; tasks/${result.currentTaskDocId} is running: it finishes, and starts nothing after it`
    : result.endedTaskDocId
      ? `; tasks/${result.endedTaskDocId} had not started: it ended with the job, without running`
      : "";
  process.stdout.write(`Cancelled jobs/${jobId}${inFlight}.\n`);
  return EXIT_OK;
});
