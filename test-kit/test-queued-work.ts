import type { Logger } from "../src/ports/logger.js";
import { BullQueuedWork } from "../src/adapters/queue/bull-queued-work.js";
import { BullOutboxQueue } from "../src/adapters/queue/outbox-queue.js";
import { createRedis, type RedisClient } from "../src/adapters/queue/redis-connection.js";
import { RedisConversationEvents } from "../src/adapters/queue/redis-conversation-events.js";
import { BullTurnQueue } from "../src/adapters/queue/turn-queue.js";
import { TEST_REDIS_URL } from "./test-env.js";
import { createTestPrefix } from "./test-redis.js";

export interface TestQueues {
  readonly prefix: string;
  readonly redis: RedisClient;
  readonly turns: BullTurnQueue;
  readonly outbox: BullOutboxQueue;
  /** The real Redis implementation of the QueuedWork port, over these queues. */
  readonly work: BullQueuedWork;
  /** Conversation events on the same prefix (its own subscriber connection). */
  readonly events: RedisConversationEvents;
  /** Closes the queues and deletes every key under the prefix. */
  close(): Promise<void>;
}

/** The real turn and outbox queues on the test Redis, under a prefix of their own. */
export function createTestQueues(logger: Logger, prefix = createTestPrefix()): TestQueues {
  const redis = createRedis(TEST_REDIS_URL, "producer");
  const turns = new BullTurnQueue(redis, prefix.prefix, logger);
  const outbox = new BullOutboxQueue(redis, prefix.prefix, logger);
  const subscriber = createRedis(TEST_REDIS_URL, "subscriber");
  return {
    prefix: prefix.prefix,
    redis,
    turns,
    outbox,
    work: new BullQueuedWork(redis, prefix.prefix, turns, outbox),
    events: new RedisConversationEvents(redis, subscriber, prefix.prefix),
    async close() {
      await turns.close();
      await outbox.close();
      redis.disconnect();
      subscriber.disconnect();
      await prefix.cleanup();
    },
  };
}
