// batch watch: a live progress bar of a batch until it ends, then its summary; exit 0 when every run succeeded.
import type { BatchProgress } from "../shared/batch/batch-progress";
import { failedCodes, watchBatch } from "../local/batch/watch-batch";
import { getDb } from "../shared/pipeline/firestore";
import { formatBatchSummary, formatProgressLine, rowsPerMinute } from "./batch-report";
import { UsageError } from "./cli-args";
import { projectFlag, useFirestoreTarget } from "./firestore-target";
import { defineSubcommand } from "./subcommand";
import { EXIT_FAILED, EXIT_OK } from "./tool-io";

const WINDOW_MS = 60_000;

export const watch = defineSubcommand({
  spec: {
    name: "watch",
    summary:
      "Follows a batch: runs done/total, failed, running and waiting, rows per minute (over the last minute), ETA and\n" +
      "tokens, redrawn in place on a terminal (one line per change otherwise); then the batch's summary. Exit 0 when\n" +
      "every run succeeded, 1 when any failed or the batch was cancelled.",
    positionals: [{ name: "batchId", description: "the batches/ document id", required: true }],
    flags: {
      interval: { type: "string", value: "SECONDS", description: "seconds between reads of the progress (default 2)" },
      timeout: { type: "string", value: "SECONDS", description: "stop following after this long (default: until the batch ends)" },
      project: projectFlag,
    },
    examples: ["npm run batch -- watch moral_machine"],
  },
  async main({ interval, timeout, project }, [batchId]) {
    const seconds = (flag: string, value: string | undefined) => {
      const n = Number(value);
      if (value !== undefined && !(Number.isFinite(n) && n > 0))
        throw new UsageError(`-${flag}=${value}: expected a number of seconds above 0`);
      return value === undefined ? undefined : n * 1000;
    };
    const intervalMs = seconds("interval", interval) ?? 2000;
    const timeoutMs = seconds("timeout", timeout);
    process.stderr.write(`Using ${await useFirestoreTarget(project)}.\n`);
    const db = await getDb();
    const show = progressPrinter();
    const end = await watchBatch(db, batchId!, { intervalMs, ...(timeoutMs ? { timeoutMs } : {}), onProgress: show });
    const codes = end.counts.failed ? await failedCodes(db, batchId!) : {};
    process.stdout.write(`${process.stdout.isTTY ? "\n" : ""}${formatBatchSummary(end, codes)}\n`);
    return end.status === "success" ? EXIT_OK : EXIT_FAILED;
  },
});

/** On a terminal the line is redrawn in place; in a log, a line is written only when the counts change. */
function progressPrinter(): (p: BatchProgress) => void {
  const samples: { at: number; done: number }[] = [];
  let last = "";
  return (p) => {
    const now = Date.now();
    samples.push({ at: now, done: p.done });
    while (samples.length > 2 && samples[0]!.at < now - WINDOW_MS) samples.shift();
    const line = formatProgressLine(p, rowsPerMinute(samples));
    if (process.stdout.isTTY) process.stdout.write(`\r${line}\x1b[K`);
    else if (line.replace(/\|[^|]*rows\/min.*$/, "") !== last) process.stdout.write(`${line}\n`);
    last = line.replace(/\|[^|]*rows\/min.*$/, "");
  };
}
