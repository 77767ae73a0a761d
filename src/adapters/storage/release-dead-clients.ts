import type pg from "pg";

/**
 * Gives a checked-out client whose connection closed back to the pool (which then drops it).
 * Prisma's driver adapter releases a transaction's client only after its COMMIT or ROLLBACK
 * succeeds; on a connection that died mid-transaction (PostgreSQL restarted, a failover, a
 * terminated backend) neither can, so the client stayed checked out for good. After `max` such
 * losses every query timed out waiting for a connection and $disconnect never returned.
 */
export function releaseDeadClients(pool: pg.Pool, graceMs = 200): void {
  const held = new Set<pg.PoolClient>();
  pool.on("acquire", (client) => held.add(client));
  pool.on("release", (_error, client) => held.delete(client));
  pool.on("connect", (client) => {
    // Listening also keeps a dead checked-out client's "error" from going unhandled.
    client.on("error", () => undefined);
    client.on("end", () => {
      // A holder that notices in time releases it itself (e.g. a failed BEGIN); only then is it not ours to.
      setTimeout(() => {
        if (!held.delete(client)) return;
        try {
          client.release(new Error("the connection closed while the client was checked out"));
        } catch {
          // released by its holder meanwhile
        }
      }, graceMs).unref();
    });
  });
}
