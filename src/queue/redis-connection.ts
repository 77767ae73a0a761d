import { Redis } from "ioredis";

export type RedisRole = "producer" | "worker" | "subscriber";

/**
 * Producers (the gateway) fail fast so an HTTP request gets a 503 instead of hanging; workers and
 * subscribers wait and reconnect forever, as BullMQ requires (`maxRetriesPerRequest: null`).
 */
export function createRedis(url: string, role: RedisRole): Redis {
  if (role === "producer") {
    // The offline queue stays on (BullMQ sends commands while connecting), but a command waits for
    // at most one reconnection attempt and two seconds before it fails.
    return new Redis(url, {
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      commandTimeout: 2000,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
  }
  return new Redis(url, { maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(times * 200, 5000) });
}
