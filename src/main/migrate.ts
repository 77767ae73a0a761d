import { loadConfig } from "../config/index.js";
import { describeTakeOver } from "../dev/data-dir-lock.js";
import { startEmbeddedPostgres } from "../dev/embedded-postgres.js";
import { migrateDatabase } from "../adapters/storage/migrate-database.js";
import path from "node:path";
import { personaConversionLines } from "./persona-conversion-lines.js";
import { runMain } from "./run-main.js";

/** `npm run db:migrate`: applies prisma/migrations to DATABASE_DIRECT_URL or DATABASE_URL, or to the embedded database when unset. */
runMain(async (onShutdown) => {
  const config = loadConfig("cli");
  let url = config.migrationDatabaseUrl;
  if (!url) {
    const dir = path.join(config.dataDir, "pglite");
    const embedded = await startEmbeddedPostgres(dir);
    onShutdown(() => embedded.stop());
    url = embedded.url;
    process.stdout.write(`DATABASE_URL is not set: migrating the embedded database in ${config.dataDir}\n`);
    if (embedded.tookOverFrom) process.stdout.write(`${describeTakeOver(dir, embedded.tookOverFrom)}\n`);
  }
  const outcome = await migrateDatabase(url);
  process.stdout.write(
    outcome.applied ? `applied migrations: ${outcome.migrations.join(", ")}\n` : `database is up to date (${outcome.migrations.length} migrations)\n`,
  );
  for (const line of personaConversionLines(outcome.personas)) process.stdout.write(`${line}\n`);
  return "exit";
});
