// A child process that delivers one tasks/ created-event through the pipeline, so that a crash test can kill it mid-task.
//
// Usage: node --import tsx test/support/crash-child.ts <taskDocId> [--as-trigger]
// --as-trigger: delivered as the trigger does, with the created-event's document (the claim in one write).
// It reads everything from its environment, as a function instance does: FIRESTORE_EMULATOR_HOST,
// GCLOUD_PROJECT, GEMINI_BASE_URL and the TASK_* / RETRY_* policy numbers. Each pipeline log line goes to
// stdout as JSON, and the outcome as the last line, so that a test can tell how far it got when it was
// killed (or what happened when it was not).
import { createPipelineRuntime } from "../../shared/pipeline/create-pipeline-deps";
import { handleTaskCreated } from "../../shared/pipeline/handle-task-created";

const taskDocId = process.argv[2];
if (!taskDocId) {
  process.stderr.write("usage: node --import tsx test/support/crash-child.ts <taskDocId>\n");
  process.exit(2);
}
if (!process.env.FIRESTORE_EMULATOR_HOST) {
  process.stderr.write("FIRESTORE_EMULATOR_HOST is not set: this child only runs against the Firestore emulator\n");
  process.exit(2);
}

const print = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
const { deps, runtime } = await createPipelineRuntime(process.env, (message, fields) => print({ message, ...fields }));
try {
  let options = {};
  if (process.argv.includes("--as-trigger")) {
    const snap = await deps.db.doc(`tasks/${taskDocId}`).get();
    options = { event: { data: snap.data()!, updateTime: snap.updateTime! } };
  }
  const outcome = await handleTaskCreated(deps, taskDocId, options);
  print({ message: "outcome", outcome });
} finally {
  await runtime.close();
}
// firebase-admin keeps its channel open; a function instance would be frozen here, a child just leaves.
process.exit(0);
