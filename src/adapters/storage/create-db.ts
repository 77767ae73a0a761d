import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "./generated/client.js";
import { releaseDeadClients } from "./release-dead-clients.js";
import { tolerateLostRollback } from "./tolerate-lost-rollback.js";

export type Db = PrismaClient;

/** Prisma over the pg driver adapter: no native query engine at run time. */
export function createDb(databaseUrl: string, options: { maxConnections?: number } = {}): Db {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.maxConnections ?? 10,
    // Fail fast when PostgreSQL is down, so callers can answer 503 instead of hanging.
    connectionTimeoutMillis: 3000,
  });
  releaseDeadClients(pool);
  // A timed-out transaction's ROLLBACK on a dead connection must not end the process.
  const adapter = tolerateLostRollback(new PrismaPg(pool, { disposeExternalPool: true }));
  return new PrismaClient({ adapter });
}
