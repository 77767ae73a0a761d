import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** Where the tests find PostgreSQL and Redis; .ci/run starts both on these defaults. */
export const TEST_PG_ADMIN_URL = process.env.TEST_PG_ADMIN_URL ?? "postgresql://root@127.0.0.1:5432/postgres";
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
export const MODEL_CACHE_DIR = path.resolve(".cache/models");

/** The template database is named after the migrations, so a changed migration builds a new one. */
export function templateDatabaseName(): string {
  const dir = path.resolve("prisma/migrations");
  const hash = createHash("sha256");
  for (const name of readdirSync(dir).sort()) {
    hash.update(name);
    if (!name.endsWith(".toml")) hash.update(readFileSync(path.join(dir, name, "migration.sql")));
  }
  return `parlor_tpl_${hash.digest("hex").slice(0, 12)}`;
}

export function databaseUrl(name: string): string {
  const url = new URL(TEST_PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}
