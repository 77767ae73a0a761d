import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { Redis } from "ioredis";
import type { Config } from "../../src/config/index.js";
import { startEmbeddedPostgres } from "../../src/dev/embedded-postgres.js";
import { startEmbeddedRedis } from "../../src/dev/embedded-redis.js";
import { migrateDatabase } from "../../src/adapters/storage/migrate-database.js";

/** Where the bench looks for a PostgreSQL it may create a scratch database in (when DATABASE_URL is not set). */
export const LOCAL_PG_ADMIN_URL = "postgresql://root@127.0.0.1:5432/postgres";

export interface Service {
  readonly url: string;
  /** How it was obtained, for the report. */
  readonly kind: string;
  stop(): Promise<void>;
}

/** REDIS_URL when set; else a private redis-server child on a free loopback port (stopped by stop()). */
export async function startRedis(config: Config): Promise<Service> {
  if (config.redisUrl) return { url: config.redisUrl, kind: "REDIS_URL", stop: async () => undefined };
  const redis = await startEmbeddedRedis();
  return { url: redis.url, kind: "private redis-server", stop: () => redis.stop() };
}

/**
 * DATABASE_URL when set (the bench then writes into it, under its own business); else a scratch
 * database in the local PostgreSQL (dropped by stop()); else embedded PGlite in a temp directory.
 * Migrated with migrateDatabase either way.
 */
export async function startPostgres(config: Config): Promise<Service> {
  if (config.databaseUrl) {
    await migrateDatabase(config.databaseUrl);
    return { url: config.databaseUrl, kind: "DATABASE_URL", stop: async () => undefined };
  }
  if (await reachable(LOCAL_PG_ADMIN_URL)) {
    const name = `parlor_bench_${randomBytes(5).toString("hex")}`;
    await adminQuery(`create database "${name}"`);
    const url = new URL(LOCAL_PG_ADMIN_URL);
    url.pathname = `/${name}`;
    try {
      await migrateDatabase(url.toString());
    } catch (error) {
      await adminQuery(`drop database if exists "${name}" with (force)`);
      throw error;
    }
    return {
      url: url.toString(),
      kind: `scratch database ${name} on local PostgreSQL`,
      stop: () => adminQuery(`drop database if exists "${name}" with (force)`),
    };
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), "parlor-bench-pglite-"));
  const embedded = await startEmbeddedPostgres(dir);
  await migrateDatabase(embedded.url);
  return {
    url: embedded.url,
    kind: "embedded PGlite",
    async stop() {
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Deletes every key under a queue prefix (used when the Redis is not our own). */
export async function deleteRedisPrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: LOCAL_PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}
