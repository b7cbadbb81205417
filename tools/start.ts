// npm start: the whole product locally. Emulators up, seeds loaded, every seeded job run through the real
// triggers, progress shown, final outputs and totals printed; exit 0 only when every job succeeded.
import { defineTool } from "./cli-args";
import { runInLocalStack } from "./local-stack";
import { runTool } from "./tool-io";

const spec = defineTool({
  name: "start",
  summary:
    "Starts the Firestore, Functions, Auth and Hosting emulators (printing the results page's address), loads seeds/,\n" +
    "runs every seeded job through the real\n" +
    "triggers and prints each job's progress, final output and the totals. Exit 0 when every job succeeded.\n" +
    "Offline (no GEMINI_API_KEY) the functions call the Gemini stand-in; with GEMINI_API_KEY, real Gemini.",
  flags: {
    verbose: { type: "boolean", description: "also show the emulators' own log lines (always kept in .runs/emulators.log)" },
    full: { type: "boolean", description: "print output values in full" },
  },
});

await runTool(spec, async ({ verbose, full }) =>
  runInLocalStack([process.execPath, "--import", "tsx", "tools/run-seeded-jobs.ts", ...(full ? ["--full"] : [])], {
    quiet: !verbose,
    timeoutSeconds: 900,
  }),
);
