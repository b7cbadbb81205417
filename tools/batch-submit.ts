// batch submit: validates a whole batch file, then creates the batch and hands its runs to the admission queue.
import { formatIssues } from "../shared/config/config-issue";
import { loadBatchFile } from "../local/batch/load-batch-file";
import type { BatchPlan } from "../shared/batch/plan-batch";
import { enqueueBatch } from "../shared/batch/enqueue-batch";
import { getDb } from "../shared/pipeline/firestore";
import { readLibraryTasks } from "../shared/pipeline/read-library-tasks";
import { openEnqueuer, serviceAccountFlag, useBatchTarget } from "./batch-target";
import { projectFlag } from "./firestore-target";
import { defineSubcommand } from "./subcommand";
import { EXIT_FAILED, EXIT_OK, validationFromEnv } from "./tool-io";

export const submit = defineSubcommand({
  spec: {
    name: "submit",
    summary:
      "Validates the whole batch file first: its job template, every row (grid, rows, rows_file) and option; every\n" +
      "problem is listed as `path: message` with its row (rows[3], file.csv:5) and nothing is created. Then creates\n" +
      "batches/{batch_id} and enqueues one run per row, repeat and model on the admitBatchRow queue, which paces\n" +
      "them into jobs. Prints the batch id on stdout. Submitting the same file again creates nothing twice (and\n" +
      "finishes a submit that stopped half-way); another file under a taken batch_id is refused.",
    positionals: [{ name: "file", description: "the batch file (JSONC); rows_file is relative to it", required: true }],
    flags: {
      dry_run: { type: "boolean", description: "validate and describe the batch; create nothing" },
      owner_uid: {
        type: "string",
        value: "UID",
        description: "the Firebase Auth user who owns the batch and its jobs (they may read them)",
      },
      service_account: serviceAccountFlag,
      project: projectFlag,
    },
    examples: ["npm run batch -- submit seeds/batches/moral_machine.jsonc", "npm run batch -- submit my-batch.jsonc --dry-run"],
  },
  async main({ dry_run, owner_uid, service_account, project }, [file]) {
    process.stderr.write(`Using ${await useBatchTarget(project)}.\n`);
    const db = await getDb();
    const validation = validationFromEnv();
    const planned = await loadBatchFile(file!, validation, (rawJob) => readLibraryTasks(db, rawJob, validation));
    if (!planned.ok) {
      const count = `${planned.issues.length} problem${planned.issues.length === 1 ? "" : "s"}`;
      process.stderr.write(
        `batch submit: ${file} is not a valid batch (${count}); nothing was created:\n${formatIssues(planned.issues)}\n`,
      );
      return EXIT_FAILED;
    }
    process.stderr.write(`${describePlan(planned.plan)}\n`);
    if (dry_run) return EXIT_OK;
    const started = Date.now();
    const enqueue = await openEnqueuer(service_account);
    const result = await enqueueBatch({ db, enqueue }, planned.plan, owner_uid ? { ownerUid: owner_uid } : {});
    if (result.kind === "conflict" || result.kind === "ended") {
      process.stderr.write(
        `batch submit: ${result.kind === "conflict" ? result.reason : `batch ${result.batchId} is already ${result.status}; nothing was enqueued`}\n`,
      );
      return EXIT_FAILED;
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const again = result.alreadyQueued ? ` (${result.alreadyQueued} were already queued)` : "";
    process.stderr.write(
      `${result.kind === "created" ? "Created" : "Resumed"} batches/${result.batchId}: ${result.enqueued} runs enqueued in ${seconds} s${again}. Follow it: npm run batch -- watch ${result.batchId}\n`,
    );
    process.stdout.write(`${result.batchId}\n`);
    return EXIT_OK;
  },
});

export function describePlan(plan: BatchPlan): string {
  const grid = plan.space.grid
    ? Object.entries(plan.space.grid)
        .map(([k, v]) => `${k} (${v.length})`)
        .join(" x ")
    : "";
  const base = plan.space.baseRows.length ? `${plan.space.baseRows.length} rows${plan.rowsFile ? ` (with ${plan.rowsFile})` : ""}` : "";
  const rows = [base, grid && `grid ${grid}`].filter(Boolean).join(" x ");
  const models = plan.space.models.length ? ` x ${plan.space.models.length} models` : "";
  const repeats = plan.space.repeats > 1 ? ` x ${plan.space.repeats} repeats` : "";
  return `Batch ${plan.batchId} is valid: ${rows} = ${plan.rowsTotal} rows${repeats}${models} = ${plan.runsTotal} runs of ${plan.template.task_config.task_id || "the entry task"} (inputs ${plan.variables.join(", ")}; outputs ${plan.outputVariables.join(", ")}).`;
}
