import pg from "pg";
import { Redis } from "ioredis";
import { ensureTinyModel } from "../src/dev/tiny-model/build-tiny-model.js";
import { migrateDatabase } from "../src/adapters/storage/migrate-database.js";
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
    // Leftovers of interrupted runs; other runs may be going on at the same time, so only old ones.
    const cutoff = Math.floor(Date.now() / 1000) - 3 * 3600;
    const stale = await admin.query<{ datname: string }>(`select datname from pg_database where datname like 'parlor_t\\_%'`);
    for (const { datname } of stale.rows) {
      const created = Number(datname.split("_")[2]);
      if (Number.isFinite(created) && created < cutoff) await admin.query(`drop database if exists "${datname}" with (force)`);
    }
    const exists = await admin.query(`select 1 from pg_database where datname = $1`, [template]);
    if (exists.rowCount === 0) {
      const wip = `${template}_wip_${process.pid}`;
      await admin.query(`create database "${wip}"`);
      await migrateDatabase(databaseUrl(wip));
      try {
        await admin.query(`alter database "${wip}" rename to "${template}"`);
      } catch {
        // A concurrent run built the same template first.
        await admin.query(`drop database if exists "${wip}" with (force)`);
      }
    }
  } finally {
    await admin.end();
  }
  await ensureTinyModel(MODEL_CACHE_DIR);
}
