import { defineConfig } from "vitest/config";

// Five suites. `unit` needs nothing but Node. `emulator` runs inside a Firestore-only emulator session,
// where the test process is the only thing reacting to writes (handler and rules tests). `integration`
// runs inside a Firestore + Functions emulator session: real triggers, real chains. `e2e` drives the results
// page in headless Chromium, served by the Hosting emulator beside the others. `user-path` starts no emulator itself: it
// installs a clean copy of the repository and runs the plain Firebase CLI there, as a new user does.
const slow = { testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false };
export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"], testTimeout: 20_000 } },
      { test: { name: "emulator", include: ["test/emulator/**/*.test.ts"], ...slow } },
      { test: { name: "integration", include: ["test/integration/**/*.test.ts"], ...slow } },
      { test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], ...slow } },
      { test: { name: "user-path", include: ["test/user-path/**/*.test.ts"], ...slow, testTimeout: 600_000 } },
    ],
  },
});
