import { Redis } from "ioredis";
import { RedisReplyBus } from "../../src/adapters/queue/redis-reply-bus.js";
import { InMemoryReplyBus } from "../../test-kit/in-memory/in-memory-reply-bus.js";
import { TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { createTestPrefix } from "../../test-kit/test-redis.js";
import { replyBusContract } from "./reply-bus.contract.js";

replyBusContract("Redis", async () => {
  const { prefix, cleanup } = createTestPrefix();
  const [publisher, subscriber] = [new Redis(TEST_REDIS_URL), new Redis(TEST_REDIS_URL)];
  return {
    bus: new RedisReplyBus(publisher, subscriber, prefix),
    async close() {
      publisher.disconnect();
      subscriber.disconnect();
      await cleanup();
    },
  };
});
replyBusContract("in memory", async () => ({ bus: new InMemoryReplyBus(), close: async () => undefined }));
