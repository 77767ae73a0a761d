import type { LockOwner } from "./data-dir-lock.js";
import { startEmbeddedPostgres } from "./embedded-postgres.js";
import { startEmbeddedRedis } from "./embedded-redis.js";

export interface Services {
  readonly redisUrl: string;
  readonly databaseUrl: string;
  /** Which of the two were started here (embedded) rather than given. */
  readonly embedded: { readonly redis: boolean; readonly postgres: boolean };
  /** The embedded database's lock was taken over from this process, which had died holding it. */
  readonly tookOverPostgresFrom?: LockOwner;
  stop(): Promise<void>;
}

/**
 * Redis and PostgreSQL from the given URLs, or embedded ones (a private redis-server, PGlite with
 * its data in `pgliteDir`) where a URL is missing: what the demo and persona:check run on.
 */
export async function startServices(given: { redisUrl: string | undefined; databaseUrl: string | undefined; pgliteDir: string }): Promise<Services> {
  const redis = given.redisUrl ? undefined : await startEmbeddedRedis();
  let postgres;
  try {
    postgres = given.databaseUrl ? undefined : await startEmbeddedPostgres(given.pgliteDir);
  } catch (error) {
    await redis?.stop();
    throw error;
  }
  return {
    redisUrl: given.redisUrl ?? redis!.url,
    databaseUrl: given.databaseUrl ?? postgres!.url,
    embedded: { redis: redis !== undefined, postgres: postgres !== undefined },
    ...(postgres?.tookOverFrom ? { tookOverPostgresFrom: postgres.tookOverFrom } : {}),
    async stop() {
      await postgres?.stop();
      await redis?.stop();
    },
  };
}
