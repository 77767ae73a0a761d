import { randomBytes } from "node:crypto";
import pg from "pg";
import { createDb, type Db } from "../src/adapters/storage/create-db.js";
import { databaseUrl, TEST_PG_ADMIN_URL, templateDatabaseName } from "./test-env.js";

export interface TestDatabase {
  readonly url: string;
  readonly db: Db;
  drop(): Promise<void>;
}

/** A fresh, migrated database for one test file, cloned from the run's template in milliseconds. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `parlor_t_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString("hex")}`;
  await adminQuery(`create database "${name}" template "${templateDatabaseName()}"`);
  const url = databaseUrl(name);
  const db = createDb(url, { maxConnections: 5 });
  return {
    url,
    db,
    async drop() {
      await db.$disconnect();
      await adminQuery(`drop database if exists "${name}" with (force)`);
    },
  };
}

async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}
