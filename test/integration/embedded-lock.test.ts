import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "../../src/dev/embedded-postgres.js";
import { startApp, type AppProcess } from "../../test-kit/app-process.js";
import { runEntry } from "../../test-kit/run-entry.js";
import { MODEL_CACHE_DIR, TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { createTestPrefix } from "../../test-kit/test-redis.js";

// PGlite is one process's database: a second process on the same .data/pglite would write into
// a copy of its own that nobody sees. It is refused; a lock left by a killed process is taken over.
const redisPrefix = createTestPrefix();
let dataDir: string;
let running: AppProcess | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), "parlor-lock-"));
});
afterAll(async () => {
  running?.signal("SIGKILL");
  await running?.exited;
  await rm(dataDir, { recursive: true, force: true });
  await redisPrefix.cleanup();
});

// A Redis of the test's own, so a killed demo leaves no private redis-server behind.
const env = () => ({ DATA_DIR: dataDir, MODEL_CACHE_DIR, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: redisPrefix.prefix, PORT: "0", LLM_THREADS: "1" });
const pgliteDir = () => path.join(dataDir, "pglite");

describe("one process per embedded database", () => {
  it("a second demo, or a migration, on the same data is refused in one line naming the running one", async () => {
    running = startApp([process.execPath, "--import", "tsx", "src/main/demo.ts"], env());
    await running.waitForOutput("Ctrl-C to stop.", 180_000);

    const second = await runEntry("src/main/demo.ts", env(), ["--say", "hi"]);
    expect(second.code).toBe(1);
    expect(second.stdout).toBe("");
    const refusal = second.stderr.trim().split("\n");
    expect(refusal).toHaveLength(1);
    expect(refusal[0]).toBe(
      `error DATA_DIR_IN_USE: another Parlor process (pid ${running.pid}) is using ${pgliteDir()}; stop it, or set DATABASE_URL to use a PostgreSQL server`,
    );

    const migrate = await runEntry("src/main/migrate.ts", env());
    expect(migrate.code).toBe(1);
    expect(migrate.stderr).toContain(`another Parlor process (pid ${running.pid}) is using ${pgliteDir()}`);
  }, 240_000);

  it("after the running one is killed (SIGKILL), the next takes its lock over, says so, and its conversation is kept", async () => {
    const killed = running!.pid;
    running!.signal("SIGKILL");
    await running!.exited;
    running = undefined;
    expect(existsSync(`${pgliteDir()}.lock`)).toBe(true);

    const next = await runEntry("src/main/demo.ts", env(), ["--say", "Back again after the crash"], 180_000);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toContain(`took over ${pgliteDir()} from pid ${killed}, which is no longer running`);
    const reply = next.stdout.trim();
    expect(reply.length).toBeGreaterThan(0);
    // Released on a clean exit.
    expect(existsSync(`${pgliteDir()}.lock`)).toBe(false);

    // The message and the reply it printed are in the database, for the next process to see.
    const postgres = await startEmbeddedPostgres(pgliteDir());
    const client = new pg.Client({ connectionString: postgres.url });
    try {
      await client.connect();
      const rows = await client.query<{ direction: string; text: string }>(`select direction, text from "Message" order by seq`);
      expect(rows.rows.filter((r) => r.direction === "inbound").map((r) => r.text)).toContain("Back again after the crash");
      expect(rows.rows.filter((r) => r.direction === "outbound").map((r) => r.text.trim())).toContain(reply);
    } finally {
      await client.end();
      await postgres.stop();
    }
  }, 240_000);
});
