// A child process that delivers one tasks/ created-event through the real trigger body (onTaskCreated), as a function
// instance does, so that a test can stop it when its event loop never comes back (a run that would hold an instance).
//
// Usage: node --import tsx test/support/trigger-child.ts <taskDocId>
// It reads everything from its environment (FIRESTORE_EMULATOR_HOST, GCLOUD_PROJECT, GEMINI_BASE_URL, the limits) and
// prints one JSON line at the end: how long the delivery took and the longest the event loop was held meanwhile.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { onTaskCreated } from "../../functions/src/trigger-bodies";

const taskDocId = process.argv[2];
if (!taskDocId || !process.env.FIRESTORE_EMULATOR_HOST) {
  process.stderr.write("usage: node --import tsx test/support/trigger-child.ts <taskDocId>, against the Firestore emulator\n");
  process.exit(2);
}

const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
const started = performance.now();
// Without the event's document, as a redelivery is claimed: the child loads firebase-admin only through the trigger body.
await onTaskCreated(taskDocId, new Date().toISOString(), undefined);
delay.disable();
const line = { elapsedMs: Math.round(performance.now() - started), maxEventLoopDelayMs: Math.round(delay.max / 1e6) };
process.stdout.write(`${JSON.stringify(line)}\n`);
// firebase-admin keeps its channel open; a function instance would be frozen here, a child just leaves.
process.exit(0);
