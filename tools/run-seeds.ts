// Runs the seeds: loads seeds/ into Firestore, starts every seeded job and submits every seeded batch, follows them all
// through the real triggers, and prints each outcome and the totals. `npm start` and `npm run seed -- -run` both run it.
import type { Firestore } from "firebase-admin/firestore";
import { loadSeeds } from "../local/client/load-seeds";
import { watchJob, type JobEnd } from "../local/client/watch-job";
import { writeSeeds } from "../local/client/write-seeds";
import { formatIssues } from "../shared/config/config-issue";
import { addCost, ZERO_COST } from "../shared/engine/run-record";
import type { ValidationContext } from "../shared/validation/validate-config";
import { startJobRun } from "../shared/pipeline/start-job-run";
import { formatCost, formatJobEnd, formatTaskProgress } from "./job-report";
import { runSeedBatch, seedBatchFiles, type SeedBatchEnd } from "./seeded-batches";
import { EXIT_FAILED, EXIT_OK } from "./tool-io";

export interface RunSeedsOptions {
  db: Firestore;
  validation: ValidationContext;
  /** The seeds folder (seeds/batches/ beside the jobs holds the batches). */
  dir: string;
  /** Print output values whole. */
  full: boolean;
  print: (line: string) => void;
}

/** Exit code: EXIT_OK when every seeded job and batch succeeded. */
export async function runSeeds({ db, validation, dir, full, print }: RunSeedsOptions): Promise<number> {
  const seeds = await loadSeeds(dir, validation);
  for (const { file, issues } of seeds.invalid) print(`refused ${file}:\n${formatIssues(issues)}`);
  const { jobs } = await writeSeeds(db, seeds);
  const batchFiles = await seedBatchFiles(`${dir}/batches`);
  print(
    `Seeded ${jobs.length} jobs and ${seeds.library.size} library task(s); starting them all, and submitting ${batchFiles.length} batch(es).\n`,
  );

  const started = Date.now();
  const ends = await Promise.all(jobs.map((jobId) => runSeededJob(db, validation, jobId, print)));
  print("");
  for (const end of ends) print(`${formatJobEnd(end, full)}\n`);

  // The batches after the jobs: in the emulator every trigger event waits its turn, so run together each would slow the other.
  const batches: SeedBatchEnd[] = [];
  for (const file of batchFiles) {
    const end = await runSeedBatch(db, file, validation, print).catch((err: Error): SeedBatchEnd => ({
      file,
      summary: `${file}: ${err.message}`,
    }));
    print(`\n${end.summary}\n`);
    batches.push(end);
  }
  print(totalsLine(ends, batches, Date.now() - started));
  const allOk =
    seeds.invalid.length === 0 && ends.every((e) => e.status === "success") && batches.every((b) => b.progress?.status === "success");
  return allOk ? EXIT_OK : EXIT_FAILED;
}

/** Starts one seeded job (writeSeeds has just made it `pending`) and follows it to its end. */
async function runSeededJob(db: Firestore, validation: ValidationContext, jobId: string, print: (line: string) => void): Promise<JobEnd> {
  const run = await startJobRun({ db, validation }, jobId, { fromStatuses: ["pending"] });
  if (run.kind !== "started") {
    const message = run.kind === "invalid" ? formatIssues(run.issues) : run.reason;
    return {
      jobId,
      runId: "",
      status: "failed",
      outputPayload: {},
      tasksDone: 0,
      usage: { prompt_tokens: 0, output_tokens: 0, total_tokens: 0 },
      error: { code: "invalid_config", message },
      elapsedMs: 0,
    };
  }
  return watchJob(db, jobId, {
    runId: run.runId,
    timeoutMs: 600_000,
    onTask: (task, change) => print(formatTaskProgress(jobId, task, change)),
  });
}

function totalsLine(ends: JobEnd[], batches: SeedBatchEnd[], elapsedMs: number): string {
  const succeeded = ends.filter((e) => e.status === "success").length;
  const tokens = ends.reduce((sum, e) => sum + e.usage.total_tokens, 0);
  const tasks = ends.reduce((sum, e) => sum + e.tasksDone, 0);
  const cost = ends.reduce(
    (sum, e) => ({ usd: sum.usd + (e.cost?.usd ?? 0), unpriced_tokens: sum.unpriced_tokens + (e.cost?.unpriced_tokens ?? 0) }),
    { usd: 0, unpriced_tokens: 0 },
  );
  const batchesOk = batches.filter((b) => b.progress?.status === "success").length;
  const batchRuns = batches.reduce((sum, b) => sum + (b.progress?.counts.success ?? 0), 0);
  const batchTokens = batches.reduce((sum, b) => sum + (b.progress?.usage.total_tokens ?? 0), 0);
  const batchCost = batches.reduce((sum, b) => (b.progress ? addCost(sum, b.progress.cost) : sum), ZERO_COST);
  return (
    `Totals: ${succeeded}/${ends.length} jobs succeeded, ${tasks} tasks, ${tokens} tokens, ${formatCost(cost)}; ${batchesOk}/${batches.length} batches succeeded, ` +
    `${batchRuns} runs, ${batchTokens} tokens, ${formatCost(batchCost)}; ${(elapsedMs / 1000).toFixed(1)} s.`
  );
}
