import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import type { EmbeddedService } from "./embedded-redis.js";

/**
 * PostgreSQL compiled to WebAssembly (PGlite), served on a loopback port inside this process, so
 * the demo needs no database install. Data is kept in `dataDir` between runs.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedService> {
  await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 32 });
  await server.start();
  return {
    url: `postgresql://postgres@${server.getServerConn()}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
