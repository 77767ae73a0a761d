import { defineConfig } from "vitest/config";

// Files that measure latency against an idle baseline: they run after the rest, one at a time,
// so that what they compare is the system under test and not the other test files.
const QUIET = ["test/integration/abuse-flood.test.ts"];

export default defineConfig({
  test: {
    globalSetup: ["test/support/global-setup.ts"],
    // Integration tests load a real model and real services; two cores, so few files at once.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ["default"],
    projects: [
      { extends: true, test: { name: "main", include: ["test/**/*.test.ts"], exclude: QUIET, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: "quiet", include: QUIET, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
