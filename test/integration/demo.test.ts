import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEntry } from "../../test-kit/run-entry.js";
import { MODEL_CACHE_DIR } from "../../test-kit/test-env.js";

// `npm run demo` as a newcomer runs it: no REDIS_URL, no DATABASE_URL, no MODEL_PATH.
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "parlor-demo-"));
});
afterAll(async () => rm(dataDir, { recursive: true, force: true }));

const base = () => ({ DATA_DIR: dataDir, MODEL_CACHE_DIR, LLM_THREADS: "2" });

describe("demo on embedded defaults", () => {
  it("answers one message with --say through the whole pipeline and exits", async () => {
    const result = await runEntry("src/main/demo.ts", base(), ["--say", "Hello, are you open on Sunday?"], 180_000);
    expect(result.stderr).toContain("private redis-server");
    expect(result.stderr).toContain("embedded (PGlite)");
    expect(result.stderr).toContain("replies are NOISE");
    expect(result.code).toBe(0);
    // stdout carries the reply only.
    expect(result.stdout.trim().length).toBeGreaterThan(0);
    expect(result.stdout).not.toContain("Redis:");
  }, 200_000);

  it("keeps its data between runs: the second run migrates nothing", async () => {
    const result = await runEntry("src/main/demo.ts", base(), ["--say", "Second visit"], 180_000);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain("migrations applied");
  }, 200_000);

  it("says in one line how to get Redis when there is no REDIS_URL and no redis-server", async () => {
    const result = await runEntry("src/main/demo.ts", { ...base(), PATH: "/nonexistent" }, ["--say", "hi"]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/REDIS_MISSING: Redis is needed: set REDIS_URL/);
  });
});
