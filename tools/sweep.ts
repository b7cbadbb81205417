// sweep: what the scheduled sweepTasks function does, by hand: nothing stays stuck.
import { createPipelineRuntime } from "../shared/pipeline/create-pipeline-deps";
import { startStandin } from "../local/standin/standin-server";
import { sweepStuckWork } from "../shared/pipeline/sweep-stuck-work";
import { defineTool } from "./cli-args";
import { projectFlag, useFirestoreTarget } from "./firestore-target";
import { EXIT_OK, runTool } from "./tool-io";

const spec = defineTool({
  name: "sweep",
  summary:
    "Does by hand what the deployed sweepTasks schedule does every 5 minutes: runs again, from their first step,\n" +
    "tasks still `running` after their lease expired (their function instance died); runs tasks left `queued`\n" +
    "past TASK_QUEUED_GRACE_MS (their event never came); ends jobs left `running` after their current task ended.",
  flags: { project: projectFlag },
});

await runTool(spec, async ({ project }) => {
  process.stderr.write(`Using ${await useFirestoreTarget(project)}.\n`);
  const { deps, runtime } = await createPipelineRuntime(process.env, undefined, () => startStandin());
  for (const line of runtime.banner) process.stderr.write(`${line}\n`);
  const result = await sweepStuckWork(deps);
  for (const id of [...result.expired, ...result.unstarted]) process.stdout.write(`tasks/${id}: ${result.outcomes[id]}\n`);
  for (const [id, outcome] of Object.entries(result.jobs)) process.stdout.write(`jobs/${id}: ${outcome}\n`);
  process.stdout.write(
    `${result.expired.length} expired task(s) taken over, ${result.unstarted.length} never-started task(s) run, ${Object.keys(result.jobs).length} stale job(s) checked.\n`,
  );
  await runtime.close();
  return EXIT_OK;
});
