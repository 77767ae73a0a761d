import type { PrismaPg } from "@prisma/adapter-pg";
import { isDatabaseUnreachable } from "./db-unavailable.js";

/**
 * Prisma rolls back an interactive transaction whose timeout passed from a timer, and nothing
 * handles that rollback's failure: when the connection died meanwhile (PostgreSQL restarted, the
 * session was terminated, e.g. while a statement waited on a row lock), the failed ROLLBACK is an
 * unhandled rejection and ends the process (Prisma 6.19.3 with @prisma/adapter-pg 7.10.1; found by
 * `npm run chaos`). PostgreSQL ends a transaction with its connection, so such a ROLLBACK has
 * nothing left to do: here it succeeds instead. The dead client is dropped when the pool gets it
 * back (see release-dead-clients), and a client given back already is not released twice.
 */
export function tolerateLostRollback(factory: PrismaPg): PrismaPg {
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = await connect();
    const startTransaction = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (isolationLevel) => {
      const tx = await startTransaction(isolationLevel);
      const executeRaw = tx.executeRaw.bind(tx);
      const rollback = tx.rollback.bind(tx);
      tx.executeRaw = (query) => (query.sql === "ROLLBACK" ? executeRaw(query).catch(ignore(connectionLost, 0)) : executeRaw(query));
      tx.rollback = () => rollback().catch(ignore(alreadyReleased, undefined));
      return tx;
    };
    return adapter;
  };
  return factory;
}

const connectionLost = (error: unknown) => isDatabaseUnreachable(error) || /is not queryable/.test(String((error as Error)?.message));
const alreadyReleased = (error: unknown) => /already been released/.test(String((error as Error)?.message));

function ignore<T>(when: (error: unknown) => boolean, value: T): (error: unknown) => T {
  return (error) => {
    if (when(error)) return value;
    throw error;
  };
}
