import type { RedisClient } from "./redis-connection.js";
import type { Logger } from "../../ports/logger.js";

/**
 * BullMQ loses jobs silently if Redis evicts keys under memory pressure: warn at start-up unless
 * maxmemory-policy is noeviction. Returns the policy ("unknown" where CONFIG is not allowed).
 */
export async function checkRedisPolicy(redis: RedisClient, logger: Logger): Promise<string> {
  let policy = "unknown";
  try {
    const reply = (await redis.config("GET", "maxmemory-policy")) as string[];
    policy = reply[1] ?? "unknown";
  } catch (error) {
    logger.warn({ err: error }, "could not read Redis maxmemory-policy; make sure it is noeviction");
    return policy;
  }
  if (policy !== "noeviction") {
    logger.warn(
      { policy },
      `Redis maxmemory-policy is ${policy}: set it to noeviction, or queued turns may be evicted and only the reconciler will find them`,
    );
  }
  return policy;
}
