import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { lockDataDir, type LockOwner } from "./data-dir-lock.js";
import type { EmbeddedService } from "./embedded-redis.js";

export interface EmbeddedPostgres extends EmbeddedService {
  /** The process whose lock on the data directory was taken over: it had died without releasing it. */
  readonly tookOverFrom?: LockOwner;
}

/**
 * PostgreSQL compiled to WebAssembly (PGlite), served on a loopback port inside this process, so
 * the demo needs no database install. Data is kept in `dataDir` between runs. PGlite is one
 * process's database: a second process opening the same directory would write into a copy that
 * is lost, so it is refused (data-dir-lock.ts).
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const lock = await lockDataDir(dataDir, "stop it, or set DATABASE_URL to use a PostgreSQL server");
  try {
    await mkdir(dataDir, { recursive: true });
    const db = await PGlite.create(dataDir);
    const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 32 });
    await server.start();
    return {
      url: `postgresql://postgres@${server.getServerConn()}/postgres`,
      ...(lock.tookOverFrom ? { tookOverFrom: lock.tookOverFrom } : {}),
      async stop() {
        try {
          await server.stop();
          await db.close();
        } finally {
          await lock.release();
        }
      },
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
}
