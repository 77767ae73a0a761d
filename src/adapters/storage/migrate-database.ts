import { spawn } from "node:child_process";
import { readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { FatalError } from "../../domain/errors.js";
import { convertLegacyPersonas, type PersonaConversionReport } from "./convert-legacy-personas.js";

const PROJECT_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const MIGRATIONS_DIR = fileURLToPath(new URL("../../../prisma/migrations/", import.meta.url));

export interface MigrationOutcome {
  readonly applied: boolean;
  readonly migrations: readonly string[];
  /** Persona versions converted from the old single-text format by this run (none once all are). */
  readonly personas: PersonaConversionReport;
}

/**
 * Applies prisma/migrations with `prisma migrate deploy` (its WebAssembly engine, through the pg
 * driver adapter: no download), then converts stored data the SQL cannot (persona versions in the
 * old format). Skips the CLI, which takes several seconds, when every migration is already
 * recorded as finished.
 */
export async function migrateDatabase(databaseUrl: string): Promise<MigrationOutcome> {
  const migrations = (await readdir(MIGRATIONS_DIR, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const applied = await appliedMigrations(databaseUrl);
  const pending = !migrations.every((m) => applied.has(m));
  if (pending) await runPrismaCli(["migrate", "deploy"], databaseUrl);
  const personas = await withClient(databaseUrl, convertLegacyPersonas);
  return { applied: pending, migrations, personas };
}

async function withClient<T>(databaseUrl: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

function appliedMigrations(databaseUrl: string): Promise<Set<string>> {
  return withClient(databaseUrl, async (client) => {
    const exists = await client.query(`select to_regclass('_prisma_migrations') is not null as present`);
    if (!exists.rows[0]?.present) return new Set();
    const rows = await client.query<{ migration_name: string }>(
      `select migration_name from _prisma_migrations where finished_at is not null and rolled_back_at is null`,
    );
    return new Set(rows.rows.map((r) => r.migration_name));
  });
}

/** Asynchronous on purpose: the embedded database may be served by this very process. */
function runPrismaCli(args: string[], databaseUrl: string): Promise<void> {
  const cli = createRequire(import.meta.url).resolve("prisma/build/index.js");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new FatalError("MIGRATION_FAILED", `prisma ${args.join(" ")} failed (exit ${code}):\n${output.trim()}`)),
    );
  });
}
