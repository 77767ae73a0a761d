import { defineConfig } from "vitest/config";

// Files that flood the system on purpose: they run after the rest, one at a time, so that their
// load neither slows the other files nor is blamed on them.
const QUIET = ["test/integration/abuse-flood.test.ts"];

export default defineConfig({
  test: {
    globalSetup: ["test-kit/global-setup.ts"],
    // Integration tests load a real model and real services; two cores, so few files at once.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // expect.poll waits for what a loaded 2-core machine can take a few seconds to show (1 s by default).
    expect: { poll: { timeout: 15_000 } },
    reporters: ["default"],
    projects: [
      { extends: true, test: { name: "main", include: ["test/**/*.test.ts"], exclude: QUIET, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: "quiet", include: QUIET, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
