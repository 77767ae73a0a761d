import { readFileSync } from "node:fs";
import { Redis } from "ioredis";
import { InstagramAdapter } from "../../src/adapters/channels/instagram/instagram-adapter.js";
import { GraphClient } from "../../src/adapters/channels/meta/graph-client.js";
import type { MetaDelivery } from "../../src/adapters/channels/meta/meta-delivery.js";
import { WebchatAdapter, type WebchatEvent } from "../../src/adapters/channels/webchat/webchat-adapter.js";
import { WhatsappCloudAdapter } from "../../src/adapters/channels/whatsapp-cloud/whatsapp-cloud-adapter.js";
import { startWhatsappWebChannel } from "../../src/adapters/channels/whatsapp-web/start-whatsapp-web-channel.js";
import { WhatsappWebAdapter, type WwebEvent } from "../../src/adapters/channels/whatsapp-web/whatsapp-web-adapter.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { isTypingEvent, type ReplyEvent } from "../../src/ports/reply-bus.js";
import { RedisReplyBus } from "../../src/adapters/queue/redis-reply-bus.js";
import { FakeGraphServer } from "../../test-kit/fake-graph-server.js";
import { TEST_REDIS_URL } from "../../test-kit/test-env.js";
import { createTestPrefix } from "../../test-kit/test-redis.js";
import type { ContractHarness } from "./adapter-contract.js";
import { FakeWwebClient, wwebMessage } from "./fake-wweb-client.js";
import { testCredentials } from "./in-memory-credentials.js";

const logger = createLogger("silent", "test");
const fixture = (name: string): any => JSON.parse(readFileSync(`test/fixtures/meta/${name}.json`, "utf8"));

/** The web chat: "the platform" is the reply bus (real Redis); a sent reply is an event naming the stored message. */
export async function webchatHarness(): Promise<ContractHarness<WebchatEvent>> {
  const prefix = createTestPrefix();
  const publisher = new Redis(TEST_REDIS_URL);
  const subscriber = new Redis(TEST_REDIS_URL);
  const bus = new RedisReplyBus(publisher, subscriber, prefix.prefix);
  const events: ReplyEvent[] = [];
  const unsubscribe = await bus.subscribe("conv-contract", (e) => void (isTypingEvent(e) || events.push(e)));
  const texts = new Map<string, string>();
  let consumed = 0;
  let n = 0;
  return {
    adapter: new WebchatAdapter(bus, 4000),
    maxChars: Infinity,
    customerEvent: (key, text) => ({ channelKey: "contract", sessionId: "session-contract-0001", clientMessageId: key, text }),
    delivery: (text) => {
      const messageId = `reply-${++n}`;
      texts.set(messageId, text);
      return {
        channel: { id: "ch-web", kind: "webchat", platformAccountId: "contract", credentialsRef: null },
        conversationId: "conv-contract",
        recipientId: "session-contract-0001",
        messageId,
        text,
      };
    },
    received: async () => {
      for (let i = 0; i < 100 && events.length === consumed && texts.size > consumed; i++) await new Promise((r) => setTimeout(r, 10));
      const fresh = events.slice(consumed);
      consumed = events.length;
      return fresh.map((e) => texts.get(e.messageId) ?? "?");
    },
    close: async () => {
      await unsubscribe();
      publisher.disconnect();
      subscriber.disconnect();
      await prefix.cleanup();
    },
  };
}

/** WhatsApp Cloud API or Instagram against the fake Graph API server. */
export async function metaHarness(kind: "whatsapp_cloud" | "instagram"): Promise<ContractHarness<unknown>> {
  const graph = await FakeGraphServer.start();
  const client = new GraphClient({ baseUrl: graph.baseUrl, version: "v21.0", sleep: async () => undefined });
  const options = { graph: client, credentials: testCredentials(), maxMessageChars: 4000, logger };
  const wa = kind === "whatsapp_cloud";
  let consumed = 0;
  return {
    adapter: wa ? new WhatsappCloudAdapter(options) : new InstagramAdapter(options),
    maxChars: wa ? 4096 : 1000,
    customerEvent: (key, text) => {
      const payload = fixture(wa ? "whatsapp-text" : "instagram-text");
      const message = wa ? payload.entry[0].changes[0].value.messages[0] : payload.entry[0].messaging[0].message;
      if (wa) {
        message.id = `wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQz${key}`;
        message.text.body = text;
      } else {
        message.mid = `aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlE${key}`;
        message.text = text;
      }
      return payload;
    },
    nonMessageEvent: () => fixture(wa ? "whatsapp-statuses" : "instagram-echo"),
    delivery: (text): MetaDelivery => ({
      channel: { id: "ch-meta", kind, platformAccountId: wa ? "106540352242922" : "17841405822304914", credentialsRef: "cred-1" },
      conversationId: "conv-meta",
      recipientId: wa ? "16505551234" : "6578843942192093",
      messageId: "reply-meta",
      text,
      lastInboundAt: new Date(),
      ...(wa ? { inboundPlatformMessageId: "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzk1" } : {}),
    }),
    received: async () => {
      const texts = graph.sentTexts();
      const fresh = texts.slice(consumed);
      consumed = texts.length;
      return fresh;
    },
    close: () => graph.close(),
  };
}

/** whatsapp-web.js with a fake client speaking the library's events. */
export async function whatsappWebHarness(): Promise<ContractHarness<WwebEvent>> {
  const client = new FakeWwebClient();
  const config = { id: "ch-wweb", platformAccountId: "shop-phone" };
  const channel = startWhatsappWebChannel({ client, channel: config, accept: async () => undefined, logger, sleep: async () => undefined });
  const adapter = new WhatsappWebAdapter(4000);
  adapter.attach(channel);
  client.emit("ready");
  client.emit("message", wwebMessage());
  await channel.idle();
  let consumed = 0;
  return {
    adapter,
    maxChars: 4096,
    customerEvent: (key, text) => ({ channel: config, message: wwebMessage({ key: `3EB0${key}`, body: text }) }),
    nonMessageEvent: () => ({ channel: config, message: wwebMessage({ fromMe: true }) }),
    delivery: (text) => ({
      channel: { id: "ch-wweb", kind: "whatsapp_web", platformAccountId: "shop-phone", credentialsRef: null },
      conversationId: "conv-wweb",
      recipientId: "15551234567@c.us",
      messageId: "reply-wweb",
      text,
    }),
    received: async () => {
      const fresh = client.sent.slice(consumed).map((s) => s.text);
      consumed = client.sent.length;
      return fresh;
    },
    close: () => channel.stop(),
  };
}
