// Runs inside `npm start`: loads the seeds, starts every seeded job and submits every seeded batch, follows them all,
// prints the outcome.
import { loadSeeds } from "../shared/client/load-seeds";
import { watchJob, type JobEnd } from "../shared/client/watch-job";
import { writeSeeds } from "../shared/client/write-seeds";
import { formatIssues } from "../shared/config/config-issue";
import { getDb } from "../shared/pipeline/firestore";
import { startJob } from "../shared/pipeline/start-job";
import { useFirestoreTarget } from "./firestore-target";
import { formatCost, formatJobEnd, formatTaskProgress } from "./job-report";
import { runSeedBatch, seedBatchFiles, type SeedBatchEnd } from "./seeded-batches";
import { validationFromEnv } from "./tool-io";

const full = process.argv.includes("--full");
await useFirestoreTarget(undefined);
const db = await getDb();
const validation = validationFromEnv();
const seeds = await loadSeeds("seeds", validation);
for (const { file, issues } of seeds.invalid) process.stderr.write(`refused ${file}:\n${formatIssues(issues)}\n`);
const { jobs } = await writeSeeds(db, seeds);
const batchFiles = await seedBatchFiles();
process.stdout.write(
  `Seeded ${jobs.length} jobs and ${seeds.library.size} library task(s); starting them all, and submitting ${batchFiles.length} batch(es).\n\n`,
);

const started = Date.now();
const ends = await Promise.all(
  jobs.map(async (jobId): Promise<JobEnd> => {
    const run = await startJob({ db, validation }, jobId, { fromStatuses: ["pending"] });
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
      onTask: (task, change) => process.stdout.write(`${formatTaskProgress(jobId, task, change)}\n`),
    });
  }),
);

process.stdout.write("\n");
for (const end of ends) process.stdout.write(`${formatJobEnd(end, full)}\n\n`);

// The batches after the jobs: in the emulator every trigger event waits its turn, so run together each would slow the other.
const batches: SeedBatchEnd[] = [];
for (const file of batchFiles) {
  const end = await runSeedBatch(db, file, validation, (line) => process.stdout.write(`${line}\n`)).catch((err: Error): SeedBatchEnd => ({
    file,
    summary: `${file}: ${err.message}`,
  }));
  process.stdout.write(`\n${end.summary}\n\n`);
  batches.push(end);
}
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
process.stdout.write(
  `Totals: ${succeeded}/${ends.length} jobs succeeded, ${tasks} tasks, ${tokens} tokens, ${formatCost(cost)}; ${batchesOk}/${batches.length} batches succeeded, ` +
    `${batchRuns} runs, ${batchTokens} tokens; ${((Date.now() - started) / 1000).toFixed(1)} s.\n`,
);
process.exit(succeeded === ends.length && batchesOk === batches.length ? 0 : 1);
