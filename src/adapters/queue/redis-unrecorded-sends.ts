import type { RedisClient } from "./redis-connection.js";
import type { UnrecordedSends } from "../../ports/unrecorded-sends.js";

// The worker's connection waits for Redis forever (BullMQ needs that); a delivery must not.
const COMMAND_TIMEOUT_MS = 2000;

/**
 * One Redis hash, field = outbox id, value = the platform ids (JSON). It only holds entries
 * while PostgreSQL refuses writes, so it stays small. If Redis loses it too, the reconciler
 * fails the entry as UNKNOWN_OUTCOME: never a second send.
 */
export class RedisUnrecordedSends implements UnrecordedSends {
  private readonly key: string;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.key = `${prefix}:outbox:unrecorded`;
  }

  async remember(outboxId: string, platformMessageIds: readonly string[]): Promise<void> {
    await within(this.redis.hset(this.key, outboxId, JSON.stringify({ ids: platformMessageIds, at: Date.now() })));
  }

  async forget(outboxId: string): Promise<void> {
    await within(this.redis.hdel(this.key, outboxId));
  }

  async list(limit: number): Promise<Array<{ outboxId: string; platformMessageIds: string[] }>> {
    const [, flat] = await within(this.redis.hscan(this.key, "0", "COUNT", limit));
    const out: Array<{ outboxId: string; platformMessageIds: string[] }> = [];
    for (let i = 0; i + 1 < flat.length && out.length < limit; i += 2) {
      out.push({ outboxId: flat[i]!, platformMessageIds: parseIds(flat[i + 1]!) });
    }
    return out;
  }
}

function parseIds(value: string): string[] {
  try {
    const ids = (JSON.parse(value) as { ids?: unknown }).ids;
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : [];
  } catch {
    return [];
  }
}

function within<T>(command: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis did not answer within ${COMMAND_TIMEOUT_MS} ms`)), COMMAND_TIMEOUT_MS);
  });
  return Promise.race([command, timeout]).finally(() => clearTimeout(timer));
}
