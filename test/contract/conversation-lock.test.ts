import { Redis } from "ioredis";
import { RedisConversationLock } from "../../src/adapters/queue/redis-conversation-lock.js";
import { InMemoryConversationLock } from "../../test-kit/in-memory/in-memory-conversation-lock.js";
import { TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { createTestPrefix } from "../../test-kit/test-redis.js";
import { conversationLockContract } from "./conversation-lock.contract.js";

conversationLockContract("Redis", async (ttlMs) => {
  const { prefix, cleanup } = createTestPrefix();
  const redis = new Redis(TEST_REDIS_URL);
  return {
    lock: new RedisConversationLock(redis, prefix, ttlMs),
    async close() {
      redis.disconnect();
      await cleanup();
    },
  };
});
conversationLockContract("in memory", async (ttlMs) => ({ lock: new InMemoryConversationLock(ttlMs), close: async () => undefined }));
