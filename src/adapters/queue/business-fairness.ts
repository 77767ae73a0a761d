import type { RedisClient } from "./redis-connection.js";

// BullMQ's lowest priority number is 1 (first); the largest it accepts is 2^21.
const MAX_PRIORITY = 2_097_152;
const IDLE_EXPIRY_MS = 3_600_000;

/**
 * Fair turns across businesses: each business's queued turns are numbered 1, 2, 3... and that
 * number is the job's priority. A business that floods the queue only competes with itself;
 * another business's next message gets priority 1 and is answered next. Counts live in Redis
 * and decay after an idle hour, so a crash that skips a decrement only skews priority a little.
 */
export class BusinessFairness {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  async nextPriority(businessId: string): Promise<number> {
    const key = this.key(businessId);
    const [[, count]] = (await this.redis.multi().incr(key).pexpire(key, IDLE_EXPIRY_MS).exec()) as [[unknown, number], unknown];
    return Math.min(Math.max(count, 1), MAX_PRIORITY);
  }

  /** Priorities for several turns at once (one Redis round trip), in the order given. */
  async nextPriorities(businessIds: readonly string[]): Promise<number[]> {
    const counts = new Map<string, number>();
    for (const id of businessIds) counts.set(id, (counts.get(id) ?? 0) + 1);
    const multi = this.redis.multi();
    for (const [id, n] of counts) multi.incrby(this.key(id), n).pexpire(this.key(id), IDLE_EXPIRY_MS);
    const replies = (await multi.exec()) ?? [];
    const next = new Map<string, number>();
    [...counts.keys()].forEach((id, i) => {
      const [error, total] = replies[i * 2] as [Error | null, number];
      if (error) throw error;
      next.set(id, total - (counts.get(id) ?? 0) + 1);
    });
    return businessIds.map((id) => {
      const n = next.get(id) ?? 1;
      next.set(id, n + 1);
      return Math.min(Math.max(n, 1), MAX_PRIORITY);
    });
  }

  /** Turns queued and not yet finished for the business (approximate: see the class comment). */
  async queued(businessId: string): Promise<number> {
    return Number((await this.redis.get(this.key(businessId))) ?? 0);
  }

  async done(businessId: string): Promise<void> {
    const key = this.key(businessId);
    const left = await this.redis.decr(key);
    if (left <= 0) await this.redis.del(key);
  }

  private key(businessId: string): string {
    return `${this.prefix}:fair:${businessId}`;
  }
}
