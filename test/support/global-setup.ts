import pg from "pg";
import { Redis } from "ioredis";
import { ensureTinyModel } from "../../src/llm/tiny-model/build-tiny-model.js";
import { migrateDatabase } from "../../src/storage/migrate-database.js";
import { databaseUrl, MODEL_CACHE_DIR, TEST_PG_ADMIN_URL, TEST_REDIS_URL, templateDatabaseName } from "./test-env.js";

/** Once per run: services answer, the migrated template database exists, the tiny model is built. */
export default async function setup(): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(`tests need Redis at ${TEST_REDIS_URL} (run bash .ci/run, or set TEST_REDIS_URL): ${(error as Error).message}`);
  } finally {
    redis.disconnect();
  }

  const admin = new pg.Client({ connectionString: TEST_PG_ADMIN_URL });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(`tests need PostgreSQL at ${TEST_PG_ADMIN_URL} (run bash .ci/run, or set TEST_PG_ADMIN_URL): ${(error as Error).message}`);
  }
  try {
    const template = templateDatabaseName();
    // Leftovers of interrupted runs.
    const stale = await admin.query<{ datname: string }>(
      `select datname from pg_database where (datname like 'parlor_t\\_%' or (datname like 'parlor_tpl\\_%' and datname <> $1))`,
      [template],
    );
    for (const { datname } of stale.rows) await admin.query(`drop database if exists "${datname}" with (force)`);
    const exists = await admin.query(`select 1 from pg_database where datname = $1`, [template]);
    if (exists.rowCount === 0) {
      await admin.query(`create database "${template}_wip"`);
      await migrateDatabase(databaseUrl(`${template}_wip`));
      await admin.query(`alter database "${template}_wip" rename to "${template}"`);
    }
  } finally {
    await admin.end();
  }
  await ensureTinyModel(MODEL_CACHE_DIR);
}
