import { performance } from "node:perf_hooks";
import type { Db } from "../../src/adapters/storage/create-db.js";

export interface PrismaCall {
  readonly operation: string;
  readonly startedAt: number;
  readonly ms: number;
}

/**
 * The same Prisma client, extended (a wrapper, not an edit) to record every model operation and
 * raw query with performance.now() timestamps, inside interactive transactions too.
 */
export function timedDb(db: Db, calls: PrismaCall[]): Db {
  const extended = db.$extends({
    query: {
      async $allOperations({ model, operation, args, query }) {
        const startedAt = performance.now();
        try {
          return await query(args);
        } finally {
          calls.push({ operation: model ? `${model}.${operation}` : operation, startedAt, ms: performance.now() - startedAt });
        }
      },
    },
  });
  return extended as unknown as Db;
}
