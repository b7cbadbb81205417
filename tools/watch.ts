// watch: follows the current run of a job, task by task, until it ends.
import { watchJob } from "../local/client/watch-job";
import { getDb } from "../shared/pipeline/firestore";
import { defineTool } from "./cli-args";
import { projectFlag, useFirestoreTarget } from "./firestore-target";
import { formatJobEnd, formatTaskProgress } from "./job-report";
import { EXIT_FAILED, EXIT_OK, runTool } from "./tool-io";

const spec = defineTool({
  name: "watch",
  summary:
    "Follows a job's current run: each task as it starts and ends (task id, status, latency, tokens), then the\nfinal output and totals. Exit 0 when the job succeeded, 1 when it failed.",
  positionals: [{ name: "jobId", description: "the jobs/ document id", required: true }],
  flags: {
    full: { type: "boolean", description: "print output values in full" },
    timeout: { type: "string", value: "SECONDS", description: "give up after this long (default 600)" },
    project: projectFlag,
  },
  examples: ["npm run watch -- chained_story_job"],
});

await runTool(spec, async ({ full, timeout, project }, [jobId]) => {
  process.stderr.write(`Using ${await useFirestoreTarget(project)}.\n`);
  const end = await watchJob(await getDb(), jobId!, {
    timeoutMs: Number(timeout ?? 600) * 1000,
    onTask: (task, change) => process.stdout.write(`${formatTaskProgress(jobId!, task, change)}\n`),
  });
  process.stdout.write(`${formatJobEnd(end, full)}\n`);
  return end.status === "success" ? EXIT_OK : EXIT_FAILED;
});
