// batch cancel: no further run of the batch is admitted; admitted runs are cancelled; the batch ends `cancelled`.
import { cancelBatch } from "../shared/batch/cancel-batch";
import { getDb } from "../shared/pipeline/firestore";
import { projectFlag, useFirestoreTarget } from "./firestore-target";
import { defineSubcommand } from "./subcommand";
import { EXIT_FAILED, EXIT_OK } from "./tool-io";

export const cancel = defineSubcommand({
  spec: {
    name: "cancel",
    summary:
      "Cancels a running batch: it ends `cancelled` at once and no further run is admitted (runs still in the queue are\n" +
      "dropped as their turn comes). Every admitted run's job is cancelled: one not yet started never runs; a running\n" +
      "one's current task finishes (its model calls are already made; its output is kept) and starts nothing after it.",
    positionals: [{ name: "batchId", description: "the batches/ document id", required: true }],
    flags: { project: projectFlag },
    examples: ["npm run batch -- cancel moral_machine"],
  },
  async main({ project }, [batchId]) {
    process.stderr.write(`Using ${await useFirestoreTarget(project)}.\n`);
    const result = await cancelBatch({ db: await getDb() }, batchId!);
    if (result.kind === "not_cancelled") {
      process.stderr.write(`batch cancel: batch ${batchId} was not cancelled: ${result.reason}\n`);
      return EXIT_FAILED;
    }
    const running = result.runningJobs
      ? ` (${result.runningJobs} were running: each one's current task finishes and starts nothing after it)`
      : "";
    process.stdout.write(
      `Cancelled batch ${batchId}: no further run is admitted; ${result.cancelledJobs} admitted runs cancelled${running}.\n`,
    );
    return EXIT_OK;
  },
});
