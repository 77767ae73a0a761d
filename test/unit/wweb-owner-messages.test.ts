import { describe, expect, it } from "vitest";
import { startWhatsappWebChannel } from "../../src/adapters/channels/whatsapp-web/start-whatsapp-web-channel.js";
import { WhatsappWebAdapter, type WwebDelivery } from "../../src/adapters/channels/whatsapp-web/whatsapp-web-adapter.js";
import { mapWwebMessage, mapWwebOwnerMessage } from "../../src/adapters/channels/whatsapp-web/wweb-message-mapper.js";
import type { InboundMessage } from "../../src/domain/inbound-message.js";
import type { OwnerMessage } from "../../src/domain/owner-message.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { FakeWwebClient, OWN_NUMBER, ownerMessage, wwebMessage } from "../channels/fake-wweb-client.js";

const CHANNEL = { id: "0b7c9a52-3a55-4d9b-a7a9-2b3f8e0f2d11", platformAccountId: "shop-phone" };
const CHAT = "15551234567@c.us";

describe("the owner's own messages (message_create, fromMe)", () => {
  it("maps the owner's text in a one-to-one chat to the chat it was written in", () => {
    const message = ownerMessage({ body: "  Hi, Maria here: your cake is ready  ", timestamp: 1749416400 });
    expect(mapWwebOwnerMessage(message, CHANNEL, 4000)).toEqual({
      owner: {
        channelKind: "whatsapp_web",
        platformAccountId: "shop-phone",
        platformMessageId: message.id._serialized,
        recipientId: CHAT,
        kind: "text",
        text: "Hi, Maria here: your cake is ready",
        sentAt: new Date(1749416400 * 1000),
      },
    });
    // The customer path still ignores it.
    expect(mapWwebMessage(message, CHANNEL, 4000)).toEqual({ skip: "from_me" });
  });

  it("says why other own messages are not the owner's word in a customer chat", () => {
    expect(mapWwebOwnerMessage(wwebMessage(), CHANNEL, 4000)).toEqual({ skip: "not_from_me" });
    expect(mapWwebOwnerMessage(ownerMessage({ to: "120363025246125486@g.us" }), CHANNEL, 4000)).toEqual({ skip: "group" });
    expect(mapWwebOwnerMessage(ownerMessage({ to: "status@broadcast", isStatus: true }), CHANNEL, 4000)).toEqual({ skip: "status" });
    expect(mapWwebOwnerMessage(ownerMessage({ to: "1234@broadcast" }), CHANNEL, 4000)).toEqual({ skip: "broadcast" });
    expect(mapWwebOwnerMessage(ownerMessage({ to: "120363111@newsletter" }), CHANNEL, 4000)).toEqual({ skip: "broadcast" });
    expect(mapWwebOwnerMessage(ownerMessage({ to: OWN_NUMBER }), CHANNEL, 4000)).toEqual({ skip: "self_chat" });
    expect(mapWwebOwnerMessage({ ...ownerMessage(), to: 42 as unknown as string }, CHANNEL, 4000)).toEqual({ skip: "malformed" });
    expect(mapWwebOwnerMessage({ ...ownerMessage(), id: { _serialized: "" } }, CHANNEL, 4000)).toEqual({ skip: "malformed" });
  });

  it("keeps a message whose time is unusable, with the time it was received (owner's and customer's alike)", () => {
    const receivedAt = new Date("2026-12-02T10:00:00Z");
    for (const timestamp of [Number.NaN, 1, 1749416383519, 1e20]) {
      const own = mapWwebOwnerMessage({ ...ownerMessage(), timestamp }, CHANNEL, 4000, receivedAt);
      const customer = mapWwebMessage({ ...wwebMessage(), timestamp }, CHANNEL, 4000, receivedAt);
      const expected = timestamp === 1749416383519 ? new Date(1749416383519) : receivedAt;
      expect("owner" in own && own.owner.sentAt).toEqual(expected);
      expect("message" in customer && customer.message.sentAt).toEqual(expected);
    }
  });

  it("keeps a customer's over-long text cut to the limit instead of ignoring it", () => {
    const mapped = mapWwebMessage(wwebMessage({ body: "😀".repeat(30) }), CHANNEL, 20);
    expect("message" in mapped && mapped.message.text).toBe("😀".repeat(20));
  });

  it("keeps a photo, an over-long text and an empty text as the owner's word (stored shortened or as a placeholder)", () => {
    expect(mapWwebOwnerMessage(ownerMessage({ type: "image", body: "the new cakes" }), CHANNEL, 4000)).toMatchObject({
      owner: { kind: "image", text: "[photo] the new cakes" },
    });
    expect(mapWwebOwnerMessage(ownerMessage({ body: "x".repeat(50) }), CHANNEL, 20)).toMatchObject({ owner: { kind: "text", text: "x".repeat(20) } });
    expect(mapWwebOwnerMessage(ownerMessage({ body: "   " }), CHANNEL, 4000)).toMatchObject({ owner: { kind: "other", text: "[attachment]" } });
  });
});

function setup() {
  const client = new FakeWwebClient();
  const accepted: InboundMessage[] = [];
  const owner: OwnerMessage[] = [];
  const channel = startWhatsappWebChannel({
    client,
    channel: CHANNEL,
    accept: async (m) => void accepted.push(m),
    acceptOwner: async (m) => void owner.push(m),
    logger: createLogger("silent", "test"),
    minReplyIntervalMs: 0,
    typingDelayMs: () => 0,
    sleep: async () => undefined,
  });
  const adapter = new WhatsappWebAdapter(4000);
  adapter.attach(channel);
  client.emit("ready");
  const delivery = (text: string): WwebDelivery => ({
    channel: { id: CHANNEL.id, kind: "whatsapp_web", platformAccountId: CHANNEL.platformAccountId, credentialsRef: null },
    conversationId: "conv-1",
    recipientId: CHAT,
    messageId: "reply-1",
    text,
    lastInboundAt: new Date(),
  });
  return { client, channel, adapter, accepted, owner, delivery };
}

describe("whatsapp-web.js channel: owner or our own send", () => {
  it("hands the owner's message from the phone to acceptOwner, and never to accept", async () => {
    const { client, channel, accepted, owner } = setup();
    const message = ownerMessage();
    client.emit("message_create", message);
    await channel.idle();
    expect(owner.map((m) => m.platformMessageId)).toEqual([message.id._serialized]);
    expect(accepted).toEqual([]);
  });

  it("does not take its own replies for the owner, though message_create arrives before sendMessage resolves", async () => {
    const { client, channel, adapter, owner, delivery } = setup();
    // Two parts: each part's message_create fires while its send is still running.
    const result = await adapter.send(delivery(`${"a".repeat(4000)} ${"b".repeat(500)}`));
    await channel.idle();
    expect(result.platformMessageIds).toHaveLength(2);
    expect(client.sent).toHaveLength(2);
    expect(owner).toEqual([]);
    // A late second report of the same message is still recognised.
    client.emit("message_create", ownerMessage({ key: result.platformMessageIds[0]!.split("_").at(-1)! }));
    await channel.idle();
    expect(owner).toEqual([]);
  });

  it("still hands over an owner message that arrives while a reply to the same chat is being sent", async () => {
    const { client, channel, adapter, owner, delivery } = setup();
    const sending = adapter.send(delivery("Our hours are 8 to 6."));
    const message = ownerMessage({ body: "I'll answer this one myself" });
    client.emit("message_create", message);
    await sending;
    await channel.idle();
    expect(owner.map((m) => m.platformMessageId)).toEqual([message.id._serialized]);
  });

  it("ignores customers' messages on message_create (they come through message) and own messages when no acceptOwner is set", async () => {
    const { client, channel, accepted, owner } = setup();
    client.emit("message_create", wwebMessage());
    await channel.idle();
    expect(owner).toEqual([]);
    expect(accepted).toEqual([]);

    const quiet = new FakeWwebClient();
    const accepted2: InboundMessage[] = [];
    const bare = startWhatsappWebChannel({
      client: quiet,
      channel: CHANNEL,
      accept: async (m) => void accepted2.push(m),
      logger: createLogger("silent", "test"),
      sleep: async () => undefined,
    });
    quiet.emit("message_create", ownerMessage());
    await bare.idle();
    expect(accepted2).toEqual([]);
  });
});
