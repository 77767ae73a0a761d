import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebchatAdapter } from "../../src/adapters/channels/webchat/webchat-adapter.js";
import { isTypingEvent, type BusEvent } from "../../src/ports/reply-bus.js";
import { RedisReplyBus } from "../../src/adapters/queue/redis-reply-bus.js";
import { TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { createTestPrefix } from "../../test-kit/test-redis.js";

// "The agent is writing" on the real Redis: told to the streams of the conversation, and
// remembered while it lasts so a page that connects mid-turn still shows it.
const prefix = createTestPrefix();
let publisher: Redis;
let subscriber: Redis;
let bus: RedisReplyBus;

beforeAll(() => {
  publisher = new Redis(TEST_REDIS_URL);
  subscriber = new Redis(TEST_REDIS_URL);
  bus = new RedisReplyBus(publisher, subscriber, prefix.prefix);
});

afterAll(async () => {
  publisher?.disconnect();
  subscriber?.disconnect();
  await prefix.cleanup();
});

describe("typing events", () => {
  it("go to the conversation's listeners, apart from new messages, and are remembered until the turn ends", async () => {
    const events: BusEvent[] = [];
    const unsubscribe = await bus.subscribe("conv-typing", (e) => events.push(e));
    const adapter = new WebchatAdapter(bus, 4000);
    expect(await bus.isTyping("conv-typing")).toBe(false);

    await adapter.typing("conv-typing", true);
    await expect.poll(() => events.length).toBe(1);
    expect(events[0]).toEqual({ conversationId: "conv-typing", typing: true });
    expect(isTypingEvent(events[0]!)).toBe(true);
    expect(await bus.isTyping("conv-typing")).toBe(true);
    expect(await bus.isTyping("another-conversation")).toBe(false);
    // The key carries no text, and expires by itself if the worker dies mid-turn.
    expect(await publisher.pttl(`${prefix.prefix}:typing:conv-typing`)).toBeGreaterThan(0);

    await adapter.send({
      channel: { id: "ch", kind: "webchat", platformAccountId: "k", credentialsRef: null },
      conversationId: "conv-typing",
      recipientId: "s",
      messageId: "m-1",
      text: "hi",
    });
    await adapter.typing("conv-typing", false);
    await expect.poll(() => events.length).toBe(3);
    expect(events.slice(1)).toEqual([
      { conversationId: "conv-typing", messageId: "m-1" },
      { conversationId: "conv-typing", typing: false },
    ]);
    expect(isTypingEvent(events[1]!)).toBe(false);
    expect(await bus.isTyping("conv-typing")).toBe(false);
    await unsubscribe();
  });
});
