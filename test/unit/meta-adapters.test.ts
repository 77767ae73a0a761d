import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { InstagramAdapter } from "../../src/adapters/channels/instagram/instagram-adapter.js";
import { OutsideCustomerWindowError } from "../../src/adapters/channels/meta/customer-window.js";
import { GraphClient } from "../../src/adapters/channels/meta/graph-client.js";
import type { MetaDelivery } from "../../src/adapters/channels/meta/meta-delivery.js";
import { splitMessage, WHATSAPP_TEXT_LIMIT } from "../../src/adapters/channels/meta/split-message.js";
import { WhatsappCloudAdapter } from "../../src/adapters/channels/whatsapp-cloud/whatsapp-cloud-adapter.js";
import { loadConfig } from "../../src/config/index.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { metaAdapters } from "../../src/main/compose-meta-channels.js";
import { PartialSendError, PlatformRejectedError, PlatformTransportError, SendOutcomeUnknownError } from "../../src/ports/channel-adapter.js";
import { sealChannelCredentials } from "../../src/domain/secrets/channel-credentials.js";
import type { Db } from "../../src/adapters/storage/create-db.js";
import { testCredentials } from "../channels/in-memory-credentials.js";
import { FakeGraphServer } from "../../test-kit/fake-graph-server.js";

const NOW = new Date("2026-01-10T12:00:00Z");
const logger = createLogger("silent", "test");
let graph: FakeGraphServer;
let whatsapp: WhatsappCloudAdapter;
let instagram: InstagramAdapter;

const delivery = (kind: "whatsapp_cloud" | "instagram", extra: Partial<MetaDelivery> = {}): MetaDelivery => ({
  channel: { id: "ch-1", kind, platformAccountId: kind === "instagram" ? "17841405822304914" : "106540352242922", credentialsRef: "cred-1" },
  conversationId: "conv-1",
  recipientId: kind === "instagram" ? "6578843942192093" : "16505551234",
  messageId: "msg-1",
  text: "Yes, we have it in blue.",
  ...extra,
});

beforeAll(async () => {
  graph = await FakeGraphServer.start();
  const client = new GraphClient({ baseUrl: graph.baseUrl, version: "v21.0", sleep: async () => undefined });
  const common = { graph: client, credentials: testCredentials(), maxMessageChars: 4000, logger, now: () => NOW };
  whatsapp = new WhatsappCloudAdapter(common);
  instagram = new InstagramAdapter(common);
});
afterAll(() => graph.close());
beforeEach(() => graph.reset());

describe("WhatsappCloudAdapter.send", () => {
  it("marks the customer's message read, then sends the text; returns the wamid", async () => {
    const d = delivery("whatsapp_cloud", { inboundPlatformMessageId: "wamid.IN1", lastInboundAt: new Date(NOW.getTime() - 60_000) });
    await whatsapp.markRead(d);
    const result = await whatsapp.send(d);
    expect(graph.requests.map((r) => r.body)).toEqual([
      { messaging_product: "whatsapp", status: "read", message_id: "wamid.IN1" },
      {
        messaging_product: "whatsapp",
        recipient_type: "individual",
        to: "16505551234",
        type: "text",
        text: { body: "Yes, we have it in blue.", preview_url: false },
        biz_opaque_callback_data: "msg-1",
      },
    ]);
    expect(graph.requests[1]?.path).toBe("/v21.0/106540352242922/messages");
    expect(graph.requests[1]?.headers.authorization).toBe("Bearer EAAG-test-access-token");
    expect(result.platformMessageIds).toEqual([expect.stringMatching(/^wamid\.HBgL/)]);
  });

  it("still sends when the read receipt fails", async () => {
    graph.failNext(1, { status: 400, body: { error: { message: "(#100) Invalid parameter", code: 100 } } });
    const d = delivery("whatsapp_cloud", { inboundPlatformMessageId: "wamid.GONE" });
    await expect(whatsapp.markRead(d)).rejects.toBeInstanceOf(PlatformRejectedError);
    const result = await whatsapp.send(d);
    expect(result.platformMessageIds).toHaveLength(1);
  });

  it("splits a reply over 4096 characters into several messages", async () => {
    const sentence = "This sentence is about bread and cakes. ";
    const result = await whatsapp.send(delivery("whatsapp_cloud", { text: sentence.repeat(250) }));
    const texts = graph.sentTexts();
    expect(texts.length).toBe(3);
    expect(texts.every((t) => t.length <= 4096 && t.endsWith("cakes."))).toBe(true);
    expect(result.platformMessageIds).toHaveLength(3);
  });

  it("marks read in its own call, one try (the outbox records it and does not repeat it)", async () => {
    await whatsapp.send(delivery("whatsapp_cloud", { inboundPlatformMessageId: "wamid.IN2" }));
    expect(graph.readReceipts()).toHaveLength(0);
    graph.failNext(1, { status: 503 });
    await expect(whatsapp.markRead(delivery("whatsapp_cloud", { inboundPlatformMessageId: "wamid.IN2" }))).rejects.toBeInstanceOf(
      SendOutcomeUnknownError,
    );
    await whatsapp.markRead(delivery("whatsapp_cloud", { inboundPlatformMessageId: "wamid.IN2" }));
    expect(graph.requests.map((r) => r.body)).toEqual([
      expect.objectContaining({ type: "text" }),
      { messaging_product: "whatsapp", status: "read", message_id: "wamid.IN2" },
      { messaging_product: "whatsapp", status: "read", message_id: "wamid.IN2" },
    ]);
    expect(graph.readReceipts()).toHaveLength(1);
  });

  it("resumes a split reply after the parts an earlier attempt sent, and says how far a failed one got", async () => {
    const text = Array.from({ length: 250 }, (_, i) => `Sentence ${i} is about bread and cakes.`).join(" ");
    // Part 2 is throttled (not taken): the error carries part 1's id and how many parts went out.
    graph.failNext(1, { status: 429 }, () => graph.received().length === 1);
    const partial = await whatsapp.send(delivery("whatsapp_cloud", { text })).catch((e: unknown) => e);
    expect(partial).toBeInstanceOf(PartialSendError);
    expect((partial as PartialSendError).partsSent).toBe(1);
    expect((partial as PartialSendError).platformMessageIds).toHaveLength(1);
    expect((partial as PartialSendError).cause).toBeInstanceOf(PlatformTransportError);
    const resumed = await whatsapp.send(delivery("whatsapp_cloud", { text, partsSent: 1 }));
    expect(resumed.platformMessageIds).toHaveLength(2);
    const received = graph.received().map((r) => (r.body as { text: { body: string } }).text.body);
    expect(received).toEqual(splitMessage(text, WHATSAPP_TEXT_LIMIT));
    expect(received).toHaveLength(3);
  });

  it("a 5xx on the send is an unknown outcome (not retried: the phone may have it)", async () => {
    graph.failNext(1, { status: 500, processed: true }, "send");
    const error = await whatsapp.send(delivery("whatsapp_cloud")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SendOutcomeUnknownError);
    expect(graph.received()).toHaveLength(1);
    expect(graph.requests).toHaveLength(1);
  });

  it("refuses a free-form reply more than 24 h after the customer's last message, without calling Meta", async () => {
    const error = await whatsapp
      .send(delivery("whatsapp_cloud", { lastInboundAt: new Date(NOW.getTime() - 25 * 3_600_000) }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutsideCustomerWindowError);
    expect(error).toBeInstanceOf(PlatformRejectedError);
    expect((error as Error).name).toBe("OutsideCustomerWindowError");
    expect(graph.requests).toEqual([]);
  });

  it("rejects a channel without credentials (never fixes itself)", async () => {
    const d = delivery("whatsapp_cloud");
    await expect(whatsapp.send({ ...d, channel: { ...d.channel, credentialsRef: null } })).rejects.toBeInstanceOf(PlatformRejectedError);
  });
});

describe("InstagramAdapter.send", () => {
  it("sends {recipient, message} to the account's messages edge and returns the mid", async () => {
    const result = await instagram.send(delivery("instagram"));
    expect(graph.requests[0]).toMatchObject({
      path: "/v21.0/17841405822304914/messages",
      body: { recipient: { id: "6578843942192093" }, message: { text: "Yes, we have it in blue." } },
    });
    expect(result.platformMessageIds).toEqual([expect.stringMatching(/^m_/)]);
  });

  it("splits at 1000 characters and respects the window", async () => {
    await instagram.send(delivery("instagram", { text: "Short sentence here. ".repeat(120) }));
    expect(graph.sentTexts().every((t) => t.length <= 1000)).toBe(true);
    expect(graph.sentTexts().length).toBe(3);
    await expect(instagram.send(delivery("instagram", { lastInboundAt: new Date(NOW.getTime() - 48 * 3_600_000) }))).rejects.toBeInstanceOf(
      OutsideCustomerWindowError,
    );
  });
});

describe("the worker's Meta adapters (metaAdapters)", () => {
  it("give up on a Graph API call after META_GRAPH_TIMEOUT_MS: an unknown outcome, not a wait of 15 s", async () => {
    const key = randomBytes(32);
    const sealed = sealChannelCredentials({ accessToken: "EAAG-token", appSecret: "", verifyToken: "" }, key, "ch-1");
    // Only the sealed credentials are read from the database.
    const db = {
      channelSecret: {
        findUnique: async () => ({ ciphertext: Buffer.from(sealed.ciphertext), iv: Buffer.from(sealed.iv), tag: Buffer.from(sealed.tag) }),
      },
    } as unknown as Db;
    const config = loadConfig("test", {
      META_GRAPH_BASE_URL: graph.baseUrl,
      INSTAGRAM_GRAPH_BASE_URL: graph.baseUrl,
      META_GRAPH_TIMEOUT_MS: "300",
      CHANNEL_SECRETS_KEY: key.toString("base64"),
    });
    for (const adapter of metaAdapters(config, db, logger)) {
      graph.failNext(1, { delayMs: 3000 });
      const started = Date.now();
      await expect(
        adapter.send(delivery(adapter.kind as "whatsapp_cloud" | "instagram", { lastInboundAt: new Date(Date.now() - 60_000) })),
      ).rejects.toBeInstanceOf(SendOutcomeUnknownError);
      expect(Date.now() - started).toBeLessThan(2000);
    }
  });
});
