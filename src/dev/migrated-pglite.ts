import { createHash } from "node:crypto";
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { MIGRATIONS_DIR, migrateDatabase } from "../adapters/storage/migrate-database.js";
import { startEmbeddedPostgres } from "./embedded-postgres.js";

/**
 * Fills `target` with a PGlite data directory that has every migration applied. Creating and
 * migrating one takes tens of seconds, so it is done once per set of migrations into `cacheDir`
 * and copied from there: a run that needs a throwaway database (persona:check) starts in moments.
 */
export async function copyMigratedPglite(cacheDir: string, target: string): Promise<void> {
  const template = path.join(cacheDir, `pglite-${await migrationsHash()}`);
  if (!(await exists(template))) {
    await mkdir(cacheDir, { recursive: true });
    const building = await mkdtemp(path.join(cacheDir, "building-"));
    try {
      const postgres = await startEmbeddedPostgres(building);
      try {
        await migrateDatabase(postgres.url);
      } finally {
        await postgres.stop();
      }
      // Another run may have finished the same template first; either copy will do.
      await rename(building, template).catch(async (error: NodeJS.ErrnoException) => {
        if (!(await exists(template))) throw error;
      });
    } finally {
      await rm(building, { recursive: true, force: true });
    }
  }
  await cp(template, target, { recursive: true });
}

async function migrationsHash(): Promise<string> {
  const hash = createHash("sha256");
  const dirs = (await readdir(MIGRATIONS_DIR, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  for (const name of dirs) hash.update(name).update(await readFile(path.join(MIGRATIONS_DIR, name, "migration.sql")));
  return hash.digest("hex").slice(0, 12);
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
