// start-job: starts a run of a seeded (or finished) job by committing its entry task, then follows it.
import { watchJob } from "../local/client/watch-job";
import { getDb } from "../shared/pipeline/firestore";
import { startJobRun } from "../shared/pipeline/start-job-run";
import { defineTool } from "./cli-args";
import { projectFlag, useFirestoreTarget } from "./firestore-target";
import { formatJobEnd, formatTaskProgress } from "./job-report";
import { EXIT_FAILED, EXIT_OK, runTool, validationFromEnv } from "./tool-io";

const spec = defineTool({
  name: "start-job",
  summary:
    "Starts a job: validates it, resolves its chain and commits its entry task to tasks/, which fires the\n" +
    "trigger chain. A pending, queued or ended (success, failed, cancelled) job starts a new run; a running job\n" +
    "is only followed.\n" +
    "Then shows each task as it starts and ends, and the final output. Exit 0 when the job succeeded.",
  positionals: [{ name: "jobId", description: "the jobs/ document id", required: true }],
  flags: {
    no_watch: { type: "boolean", description: "start the job and return without following it" },
    full: { type: "boolean", description: "print output values in full" },
    timeout: { type: "string", value: "SECONDS", description: "stop following after this long (default 600)" },
    project: projectFlag,
  },
  examples: ["npm run start-job -- chained_story_job"],
});

await runTool(spec, async ({ no_watch, full, timeout, project }, [jobId]) => {
  process.stderr.write(`Using ${await useFirestoreTarget(project)}.\n`);
  const db = await getDb();
  const started = await startJobRun({ db, validation: validationFromEnv() }, jobId!, {
    fromStatuses: ["pending", "queued", "success", "failed", "cancelled"],
  });
  if (started.kind === "invalid") {
    process.stderr.write(
      `start-job: jobs/${jobId} is invalid and was marked failed:\n${started.issues.map((i) => `  ${i.path}: ${i.message}`).join("\n")}\n`,
    );
    return EXIT_FAILED;
  }
  if (started.kind === "not_started") {
    if (!started.reason.includes("running")) {
      process.stderr.write(`start-job: jobs/${jobId} was not started: ${started.reason}\n`);
      return EXIT_FAILED;
    }
    process.stderr.write(`jobs/${jobId} is already running; following it.\n`);
  } else {
    process.stderr.write(`Started jobs/${jobId} ${started.runId}: committed tasks/${started.entryTaskDocId}\n`);
  }
  if (no_watch) return EXIT_OK;
  const end = await watchJob(db, jobId!, {
    ...(started.kind === "started" ? { runId: started.runId } : {}),
    timeoutMs: Number(timeout ?? 600) * 1000,
    onTask: (task, change) => process.stdout.write(`${formatTaskProgress(jobId!, task, change)}\n`),
  });
  process.stdout.write(`${formatJobEnd(end, full)}\n`);
  return end.status === "success" ? EXIT_OK : EXIT_FAILED;
});
