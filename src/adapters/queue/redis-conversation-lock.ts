import { setTimeout as sleep } from "node:timers/promises";
import { randomUUID } from "node:crypto";
import type { RedisClient } from "./redis-connection.js";
import type { ConversationLock, LockLease } from "../../ports/conversation-lock.js";

// Takes the lease, or finds it already ours. In a failover the client sends a write again when its
// reply was lost with the old primary, though the write itself may have reached the replica: a
// plain SET NX would then find our own token and lock us out of the conversation for the whole TTL.
const ACQUIRE = `local v = redis.call("get", KEYS[1])
if v == false then redis.call("set", KEYS[1], ARGV[1], "PX", ARGV[2]) return 1 end
if v == ARGV[1] then return 1 end
return 0`;
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;
const EXTEND = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;
/** A release that fails (Redis failing over) is tried again after these pauses, so the conversation is not held until the TTL. */
const RELEASE_RETRY_MS = [500, 1000, 2000, 4000];

export const conversationLockKey = (prefix: string, conversationId: string) => `${prefix}:lock:conversation:${conversationId}`;

/**
 * A lease per conversation (a random token set if absent, with a TTL). Losing it on expiry is
 * tolerated: the database's conditional update of the answered messages is the real fence.
 */
export class RedisConversationLock implements ConversationLock {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly ttlMs: number,
  ) {}

  async tryAcquire(conversationId: string): Promise<LockLease | null> {
    const key = conversationLockKey(this.prefix, conversationId);
    const token = randomUUID();
    if ((await this.redis.eval(ACQUIRE, 1, key, token, String(this.ttlMs))) !== 1) return null;
    return {
      extend: async () => (await this.redis.eval(EXTEND, 1, key, token, String(this.ttlMs))) === 1,
      release: async () => {
        for (let attempt = 0; ; attempt++) {
          try {
            await this.redis.eval(RELEASE, 1, key, token);
            return;
          } catch (error) {
            const pause = RELEASE_RETRY_MS[attempt];
            if (pause === undefined) throw error;
            await sleep(pause);
          }
        }
      },
    };
  }
}
