import { randomUUID } from "node:crypto";
import type { RedisClient } from "./redis-connection.js";
import type { ConversationLock, LockLease } from "../ports/conversation-lock.js";

const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;
const EXTEND = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;

export const conversationLockKey = (prefix: string, conversationId: string) => `${prefix}:lock:conversation:${conversationId}`;

/**
 * A lease per conversation (SET NX PX with a random token). Losing it on expiry is tolerated:
 * the database's conditional update of the answered messages is the real fence.
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
    const ok = await this.redis.set(key, token, "PX", this.ttlMs, "NX");
    if (ok !== "OK") return null;
    return {
      extend: async () => (await this.redis.eval(EXTEND, 1, key, token, String(this.ttlMs))) === 1,
      release: async () => {
        await this.redis.eval(RELEASE, 1, key, token);
      },
    };
  }
}
