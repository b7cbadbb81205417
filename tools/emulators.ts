// npm run emulators: the local stack for interactive use. Emulators up with the functions and the results page, seeds
// loaded, then it keeps running (Ctrl-C stops it) while you start and watch jobs from another terminal or the page.
import { defineTool } from "./cli-args";
import { runInLocalStack } from "./local-stack";
import { runTool } from "./tool-io";

const spec = defineTool({
  name: "emulators",
  summary:
    "Starts the Firestore (127.0.0.1:8080), Functions, Auth and Hosting emulators with the functions and the results\n" +
    "page built from this checkout, prints the page's address (127.0.0.1:5000), loads seeds/, and keeps running until\n" +
    "Ctrl-C. In another terminal: npm run start-job -- sample_job",
  flags: {
    quiet: { type: "boolean", description: "keep the emulators' own log lines in .runs/emulators.log only" },
  },
});

const WEEK_S = 7 * 24 * 3600;

await runTool(spec, async ({ quiet }) =>
  runInLocalStack([process.execPath, "--import", "tsx", "tools/seed-and-wait.ts"], { quiet, timeoutSeconds: WEEK_S }),
);
