import { defineConfig } from "vitest/config";

// Two suites: `unit` needs nothing but Node; `emulator` runs inside `firebase emulators:exec` (scripts/test.mjs).
export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"], testTimeout: 20_000 } },
      {
        test: {
          name: "emulator",
          include: ["test/emulator/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
