import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runChaos } from "../../bench/chaos/run-chaos.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";

// The chaos run (npm run chaos) in small: every message answered exactly once, in order, through
// a worker SIGKILL, a Redis restart and a duplicate delivery.
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database?.drop());

describe("chaos, small", () => {
  it("loses nothing, sends nothing twice, keeps every conversation in order", async () => {
    const result = await runChaos({
      db: database.db,
      databaseUrl: database.url,
      conversations: 10,
      messagesPerConversation: 3,
      workers: 2,
      kills: 1,
      duplicates: 1,
      restartRedis: true,
      timeoutMs: 150_000,
      modelCacheDir: path.resolve(".cache/models"),
      log: () => undefined,
    });
    expect(result).toMatchObject({ received: 30, lost: 0, duplicateSends: 0, orderViolations: 0, kills: 1, redisRestarts: 1, quiescent: true });
    expect(result.answered + result.failedVisible).toBe(30);
  }, 200_000);
});
