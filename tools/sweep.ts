// sweep: takes over tasks whose run died (`running` past their lease), as the scheduled sweepTasks function does.
import { createPipelineRuntime } from "../shared/pipeline/create-pipeline-deps";
import { startStandin } from "../shared/standin/standin-server";
import { sweepStuckWork } from "../shared/pipeline/sweep-stuck-work";
import { defineTool } from "./cli-args";
import { projectFlag, useFirestoreTarget } from "./firestore-target";
import { EXIT_OK, runTool } from "./tool-io";

const spec = defineTool({
  name: "sweep",
  summary:
    "Finds tasks still `running` after their lease expired (their function instance died) and runs each\nagain from its first step, as the deployed sweepTasks schedule does every 5 minutes.",
  flags: { project: projectFlag },
});

await runTool(spec, async ({ project }) => {
  process.stderr.write(`Using ${await useFirestoreTarget(project)}.\n`);
  const { deps, runtime } = await createPipelineRuntime(process.env, undefined, () => startStandin());
  for (const line of runtime.banner) process.stderr.write(`${line}\n`);
  const result = await sweepStuckWork(deps);
  for (const id of result.expired) process.stdout.write(`tasks/${id}: ${result.outcomes[id]}\n`);
  process.stdout.write(`${result.expired.length} expired task(s) taken over.\n`);
  await runtime.close();
  return EXIT_OK;
});
