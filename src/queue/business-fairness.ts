import type { Redis } from "ioredis";

// BullMQ's lowest priority number is 1 (first); the largest it accepts is 2^21.
const MAX_PRIORITY = 2_097_152;
const IDLE_EXPIRY_MS = 3_600_000;
// A sender's (web chat address's) turns beyond its first in this window queue behind everyone
// else's next turn: its k-th turn waits as if its business had (k-1) * SENDER_PENALTY more queued.
const SENDER_WINDOW_MS = 60_000;
const SENDER_PENALTY = 1000;

/**
 * Fair turns across businesses: each business's queued turns are numbered 1, 2, 3... and that
 * number is the job's priority. A business that floods the queue only competes with itself;
 * another business's next message gets priority 1 and is answered next. Counts live in Redis
 * and decay after an idle hour, so a crash that skips a decrement only skews priority a little.
 * Within a business, a sender (web chat: a pseudonym of the visitor's address) that sends many
 * messages in a minute, from as many session ids as it likes, gets its first turn at the business's
 * rank and the rest behind everyone else's: one visitor's flood delays the business's other
 * visitors by at most one turn.
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

  /** Priorities for several turns at once (one Redis round trip), in the order given; `senderKeys[i]` (optional) names turn i's sender. */
  async nextPriorities(businessIds: readonly string[], senderKeys: ReadonlyArray<string | undefined> = []): Promise<number[]> {
    const counts = new Map<string, number>();
    for (const id of businessIds) counts.set(id, (counts.get(id) ?? 0) + 1);
    const senders = new Map<string, number>();
    for (const key of senderKeys) if (key) senders.set(key, (senders.get(key) ?? 0) + 1);
    const multi = this.redis.multi();
    for (const [id, n] of counts) multi.incrby(this.key(id), n).pexpire(this.key(id), IDLE_EXPIRY_MS);
    for (const [key, n] of senders) multi.set(this.senderKey(key), 0, "PX", SENDER_WINDOW_MS, "NX").incrby(this.senderKey(key), n);
    const replies = (await multi.exec()) ?? [];
    for (const [error] of replies) if (error) throw error;
    const next = new Map<string, number>();
    [...counts.keys()].forEach((id, i) => next.set(id, (replies[i * 2]![1] as number) - (counts.get(id) ?? 0) + 1));
    const senderNext = new Map<string, number>();
    [...senders.keys()].forEach((key, i) => senderNext.set(key, (replies[counts.size * 2 + i * 2 + 1]![1] as number) - (senders.get(key) ?? 0) + 1));
    return businessIds.map((id, i) => {
      const n = next.get(id) ?? 1;
      next.set(id, n + 1);
      const key = senderKeys[i];
      let sent = 1;
      if (key) {
        sent = senderNext.get(key) ?? 1;
        senderNext.set(key, sent + 1);
      }
      return Math.min(Math.max(n + (sent - 1) * SENDER_PENALTY, 1), MAX_PRIORITY);
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

  private senderKey(key: string): string {
    return `${this.prefix}:fair-sender:${key}`;
  }

  private key(businessId: string): string {
    return `${this.prefix}:fair:${businessId}`;
  }
}
