// batch retry: the batch's failed runs run again (new runs of their jobs), paced by the admission queue.
import { retryBatch } from "../local/batch/retry-batch";
import { getDb } from "../shared/pipeline/firestore";
import { openEnqueuer, serviceAccountFlag, useBatchTarget } from "./batch-target";
import { projectFlag } from "./firestore-target";
import { defineSubcommand } from "./subcommand";
import { EXIT_FAILED, EXIT_OK } from "./tool-io";

export const retry = defineSubcommand({
  spec: {
    name: "retry",
    summary:
      "Runs a batch's failed runs again: each is a new run of its job (run2, run3, ...), admitted through the same\n" +
      "paced queue; runs that succeeded are not touched. The batch is running again until they end. A cancelled\n" +
      "batch is not retried.",
    positionals: [{ name: "batchId", description: "the batches/ document id", required: true }],
    flags: { service_account: serviceAccountFlag, project: projectFlag },
    examples: ["npm run batch -- retry moral_machine"],
  },
  async main({ service_account, project }, [batchId]) {
    process.stderr.write(`Using ${await useBatchTarget(project)}.\n`);
    const result = await retryBatch({ db: await getDb(), enqueue: await openEnqueuer(service_account) }, batchId!);
    if (result.kind === "not_retried") {
      process.stderr.write(`batch retry: batch ${batchId} was not retried: ${result.reason}\n`);
      return EXIT_FAILED;
    }
    process.stdout.write(
      `Retrying ${result.runs} failed run${result.runs === 1 ? "" : "s"} of batch ${batchId}. Follow it: npm run batch -- watch ${batchId}\n`,
    );
    return EXIT_OK;
  },
});
