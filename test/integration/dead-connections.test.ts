import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../src/storage/create-db.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";

// PostgreSQL ends connections in the middle of transactions (a restart, a failover, an
// administrator): the pool must come back with fresh ones, not wedge with clients nobody releases.
const APP = "parlor-dead-connections-test";
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.drop());

describe("a pool whose connections die mid-transaction", () => {
  it("keeps serving queries and disconnects promptly", async () => {
    const url = new URL(database.url);
    url.searchParams.set("application_name", APP);
    const db = createDb(url.toString(), { maxConnections: 2 });
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      // More deaths than the pool has connections: each one used to keep its client checked out for good.
      for (let i = 0; i < 3; i++) {
        const tx = db.$transaction(async (t) => t.$queryRawUnsafe("select pg_sleep(2)")).then(
          () => "committed",
          (e: Error) => e.message,
        );
        await new Promise((r) => setTimeout(r, 300));
        await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1`, [APP]);
        expect(await tx).toContain("57P01");
      }
      await new Promise((r) => setTimeout(r, 300));
      expect(await db.$queryRawUnsafe<Array<{ one: number }>>("select 1 as one")).toEqual([{ one: 1 }]);
      const started = Date.now();
      await db.$disconnect();
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await admin.end();
    }
  }, 30_000);
});
