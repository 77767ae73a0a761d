import type { Redis } from "ioredis";

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
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async nextPriority(businessId: string): Promise<number> {
    const key = this.key(businessId);
    const [[, count]] = (await this.redis.multi().incr(key).pexpire(key, IDLE_EXPIRY_MS).exec()) as [[unknown, number], unknown];
    return Math.min(Math.max(count, 1), MAX_PRIORITY);
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
