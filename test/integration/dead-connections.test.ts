import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../../src/adapters/storage/create-db.js";
import { createTestDatabase, type TestDatabase } from "../../test-kit/test-database.js";

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
        const tx = db
          .$transaction(async (t) => t.$queryRawUnsafe("select pg_sleep(2)"))
          .then(
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

  // Prisma rolls back a transaction past its timeout from a timer; that ROLLBACK failing on a dead
  // connection was an unhandled rejection, which ends a production process.
  it.each([
    ["a statement waiting on a row lock", "locked", 1500],
    ["a transaction busy elsewhere after its connection died", "idle", 300],
  ])(
    "survives a transaction that times out on a connection that dies: %s",
    async (_, shape, killAfterMs) => {
      const app = `${APP}-timeout-${shape}`;
      const url = new URL(database.url);
      url.searchParams.set("application_name", app);
      const db = createDb(url.toString(), { maxConnections: 2 });
      const admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on("unhandledRejection", onUnhandled);
      try {
        await admin.query(`create table if not exists lock_target (id int primary key)`);
        await admin.query(`insert into lock_target values (1) on conflict do nothing`);
        await admin.query("begin");
        await admin.query(`select 1 from lock_target where id = 1 for update`);
        const tx = db
          .$transaction(
            async (t) => {
              if (shape === "locked") await t.$executeRawUnsafe(`update lock_target set id = 1 where id = 1`);
              else {
                await t.$queryRawUnsafe("select 1");
                await new Promise((r) => setTimeout(r, 2500));
              }
            },
            { timeout: 1000 },
          )
          .then(
            () => "committed",
            () => "failed",
          );
        await new Promise((r) => setTimeout(r, killAfterMs));
        await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1`, [app]);
        expect(await tx).toBe("failed");
        await admin.query("rollback");
        await new Promise((r) => setTimeout(r, 500));
        expect(unhandled.map((e) => (e as Error)?.message ?? e)).toEqual([]);
        expect(await db.$queryRawUnsafe<Array<{ one: number }>>("select 1 as one")).toEqual([{ one: 1 }]);
      } finally {
        process.off("unhandledRejection", onUnhandled);
        await db.$disconnect();
        await admin.end();
      }
    },
    30_000,
  );
});
