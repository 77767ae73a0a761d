import { describe, expect, it } from "vitest";
import { startWhatsappWebChannel } from "../../src/adapters/channels/whatsapp-web/start-whatsapp-web-channel.js";
import { WhatsappWebAdapter, type WwebDelivery } from "../../src/adapters/channels/whatsapp-web/whatsapp-web-adapter.js";
import { RecipientNeverWroteError, type WhatsappWebChannelOptions } from "../../src/adapters/channels/whatsapp-web/whatsapp-web-channel.js";
import { splitMessage, WHATSAPP_TEXT_LIMIT } from "../../src/adapters/channels/meta/split-message.js";
import { UnavailableError } from "../../src/domain/errors.js";
import type { InboundMessage } from "../../src/domain/inbound-message.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";
import { PartialSendError, PlatformTransportError, SendOutcomeUnknownError } from "../../src/ports/channel-adapter.js";
import { FakeWwebClient, wwebMessage } from "../channels/fake-wweb-client.js";

const CHANNEL = { id: "0b7c9a52-3a55-4d9b-a7a9-2b3f8e0f2d11", platformAccountId: "shop-phone" };
const CHAT = "15551234567@c.us";

function setup(extra: Partial<WhatsappWebChannelOptions> = {}) {
  const client = new FakeWwebClient();
  const accepted: InboundMessage[] = [];
  const sleeps: number[] = [];
  const printed: string[] = [];
  let t = 1_000_000;
  const channel = startWhatsappWebChannel({
    client,
    channel: CHANNEL,
    accept: async (m) => void accepted.push(m),
    logger: createLogger("silent", "test"),
    print: (text) => printed.push(text),
    minReplyIntervalMs: 1000,
    typingDelayMs: () => 50,
    reconnectBaseDelayMs: 100,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
    now: () => t,
    ...extra,
  });
  const adapter = new WhatsappWebAdapter(4000);
  adapter.attach(channel);
  const delivery = (text: string, extra2: Partial<WwebDelivery> = {}): WwebDelivery => ({
    channel: { id: CHANNEL.id, kind: "whatsapp_web", platformAccountId: CHANNEL.platformAccountId, credentialsRef: null },
    conversationId: "conv-1",
    recipientId: CHAT,
    messageId: "reply-1",
    text,
    ...extra2,
  });
  return { client, channel, adapter, accepted, sleeps, printed, delivery };
}

describe("whatsapp-web.js channel", () => {
  it("hands a customer's text to accept and answers with typing first", async () => {
    const { client, channel, adapter, accepted, delivery } = setup();
    client.emit("ready");
    const msg = wwebMessage({ body: "  Do you deliver to Kreuzberg?  " });
    client.emit("message", msg);
    await channel.idle();
    expect(accepted).toEqual([
      {
        channelKind: "whatsapp_web",
        platformAccountId: "shop-phone",
        platformMessageId: msg.id._serialized,
        senderId: CHAT,
        kind: "text",
        text: "Do you deliver to Kreuzberg?",
        sentAt: new Date(1749416383 * 1000),
      },
    ]);
    const result = await adapter.send(delivery("Yes, we do!"));
    expect(client.calls.filter((c) => c !== "initialize")).toEqual([`typing:${CHAT}`, `send:${CHAT}`, `clear:${CHAT}`]);
    expect(client.sent).toEqual([{ chatId: CHAT, text: "Yes, we do!" }]);
    expect(result.platformMessageIds).toEqual([expect.stringMatching(new RegExp(`^true_${CHAT}_3EB0`))]);
  });

  it("ignores its own messages, status broadcasts and groups", async () => {
    const { client, channel, accepted } = setup();
    client.emit("ready");
    for (const m of [
      wwebMessage({ fromMe: true }),
      wwebMessage({ from: "status@broadcast", isStatus: true }),
      wwebMessage({ from: "120363025246125486@g.us", author: "15550001111@c.us" }),
    ]) {
      client.emit("message", m);
    }
    await channel.idle();
    expect(accepted).toEqual([]);
  });

  it("stores images, voice notes, stickers and locations with their kind and a placeholder text", async () => {
    const { client, channel, accepted } = setup();
    client.emit("ready");
    const types = [
      ["image", "This one please"],
      ["ptt", ""],
      ["sticker", ""],
      ["location", "/9j/4AAQSkZJRgABAQ"],
    ] as const;
    for (const [type, body] of types) client.emit("message", wwebMessage({ type, body }));
    await channel.idle();
    expect(accepted.map((m) => [m.kind, m.text])).toEqual([
      ["image", "[photo] This one please"],
      ["voice", "[voice note]"],
      ["sticker", "[sticker]"],
      ["location", "[location]"],
    ]);
  });

  it("answers groups when the channel enables them", async () => {
    const { client, channel, accepted } = setup({ channel: { ...CHANNEL, allowGroups: true } });
    client.emit("message", wwebMessage({ from: "120363025246125486@g.us", author: "15550001111@c.us" }));
    await channel.idle();
    expect(accepted.map((m) => m.senderId)).toEqual(["120363025246125486@g.us"]);
  });

  it("only answers chats that wrote first (or that the database says did)", async () => {
    const { client, adapter, delivery } = setup();
    client.emit("ready");
    await expect(adapter.send(delivery("Hi!"))).rejects.toBeInstanceOf(RecipientNeverWroteError);
    await expect(adapter.send(delivery("Hi!", { lastInboundAt: new Date() }))).resolves.toMatchObject({ platformMessageIds: [expect.any(String)] });
  });

  it("paces messages to the same chat and splits long replies", async () => {
    const { client, channel, adapter, sleeps, delivery } = setup();
    client.emit("ready");
    client.emit("message", wwebMessage());
    await channel.idle();
    await adapter.send(delivery("First."));
    await adapter.send(delivery("Second."));
    expect(sleeps).toEqual([50, 1000, 50]);
    const long = "A sentence about opening hours. ".repeat(200);
    const result = await adapter.send(delivery(long));
    expect(result.platformMessageIds).toHaveLength(2);
    expect(client.sent.slice(2).every((s) => s.text.length <= 4096)).toBe(true);
  });

  it("marks the chat read only when asked (not with every message, as the library does by default)", async () => {
    const { client, channel, adapter, delivery } = setup();
    client.emit("ready");
    client.emit("message", wwebMessage());
    await channel.idle();
    await adapter.send(delivery("A sentence about opening hours. ".repeat(200)));
    expect(client.sent).toHaveLength(2);
    expect(client.seen).toEqual([]);
    await adapter.markRead(delivery("Hi"));
    expect(client.seen).toEqual([CHAT]);
  });

  it("a failed sendMessage is an unknown outcome (the page may have sent it); later parts say how far it got", async () => {
    const { client, channel, adapter, delivery } = setup();
    client.emit("ready");
    client.emit("message", wwebMessage());
    await channel.idle();
    client.sendFailures.push({ delivered: true });
    await expect(adapter.send(delivery("Hi"))).rejects.toBeInstanceOf(SendOutcomeUnknownError);
    expect(client.sent).toHaveLength(1);

    const long = Array.from({ length: 200 }, (_, i) => `Sentence ${i} about opening hours.`).join(" ");
    client.sent.length = 0;
    const sends = client.calls.length;
    // Part 1 goes out, part 2 fails before reaching the phone.
    const original = client.sendMessage.bind(client);
    client.sendMessage = async (chatId, text) => {
      if (client.calls.length - sends >= 3) client.sendFailures.push({ delivered: false });
      return original(chatId, text);
    };
    const partial = await adapter.send(delivery(long)).catch((e: unknown) => e);
    expect(partial).toBeInstanceOf(PartialSendError);
    expect((partial as PartialSendError).partsSent).toBe(1);
    expect((partial as PartialSendError).cause).toBeInstanceOf(SendOutcomeUnknownError);
    client.sendMessage = original;
    const rest = await adapter.send(delivery(long, { partsSent: 1 }));
    expect(rest.platformMessageIds).toHaveLength(1);
    expect(client.sent.map((s) => s.text)).toEqual(splitMessage(long, WHATSAPP_TEXT_LIMIT));
    expect(client.sent).toHaveLength(2);
  });

  it("refuses to send while disconnected (the outbox retries)", async () => {
    const { adapter, delivery } = setup();
    await expect(adapter.send(delivery("Hi", { lastInboundAt: new Date() }))).rejects.toBeInstanceOf(PlatformTransportError);
  });

  it("shows the QR code in the terminal and as a PNG data URL while pairing", async () => {
    const { client, channel, printed } = setup();
    client.emit("qr", "2@kVbHGFAKEQRpayload==,Zr1FAKEkey=,AbCdFAKE=,1");
    await expect.poll(() => channel.pairingState().qrDataUrl).toMatch(/^data:image\/png;base64,/);
    expect(channel.pairingState().state).toBe("pairing");
    expect(printed).toHaveLength(1);
    client.emit("ready");
    expect(channel.pairingState()).toEqual({ state: "ready" });
  });

  it("reports every state change, with the QR code while pairing, so the worker can store it for the admin", async () => {
    const states: Array<{ state: string; qrDataUrl?: string; lastDisconnectReason?: string }> = [];
    const { client, channel } = setup({ onState: (s) => states.push(s) });
    client.emit("qr", "2@abc,def,ghi");
    await channel.idle();
    for (let i = 0; i < 50 && !states.some((s) => s.qrDataUrl); i++) await new Promise((r) => setTimeout(r, 20));
    client.emit("ready");
    client.emit("disconnected", "NAVIGATION");
    expect(states.find((s) => s.state === "pairing")?.qrDataUrl).toMatch(/^data:image\/png;base64,/);
    expect(states.map((s) => s.state)).toEqual(expect.arrayContaining(["pairing", "ready", "disconnected"]));
    expect(states.at(-1)).toMatchObject({ state: "disconnected", lastDisconnectReason: "NAVIGATION" });
  });

  it("survives a disconnect: records why, reconnects with backoff, ready again", async () => {
    const { client, channel, sleeps } = setup();
    await channel.idle();
    client.emit("ready");
    client.initializeFailures = 2;
    client.emit("disconnected", "NAVIGATION");
    expect(channel.pairingState()).toMatchObject({ state: "disconnected", lastDisconnectReason: "NAVIGATION" });
    await channel.idle();
    expect(sleeps).toEqual([100, 200, 400]);
    expect(client.calls).toEqual(["initialize", "destroy", "initialize", "destroy", "initialize", "destroy", "initialize"]);
    client.emit("ready");
    expect(channel.pairingState().state).toBe("ready");
    client.emit("disconnected", "CONFLICT");
    await channel.idle();
    expect(sleeps.at(-1)).toBe(100);
  });

  it("records a logout", async () => {
    const { client, channel } = setup();
    client.emit("ready");
    client.emit("disconnected", "LOGOUT");
    expect(channel.pairingState()).toMatchObject({ state: "logged_out", lastDisconnectReason: "LOGOUT" });
  });

  it("retries storing while the database is down, in order", async () => {
    let failures = 2;
    const seen: string[] = [];
    const { client, channel, sleeps } = setup({
      accept: async (m) => {
        if (failures-- > 0) throw new UnavailableError("DATABASE_UNAVAILABLE", "down");
        seen.push(m.text);
      },
    });
    client.emit("message", wwebMessage({ body: "one" }));
    client.emit("message", wwebMessage({ body: "two" }));
    await channel.idle();
    expect(seen).toEqual(["one", "two"]);
    expect(sleeps).toEqual([1000, 2000]);
  });
});

describe("whatsapp-web.js reconnection edge cases", () => {
  it("goes round again when the session drops while it is still starting", async () => {
    const { client, channel, sleeps } = setup();
    // initialize() is still running when the library reports the drop.
    client.emit("disconnected", "TIMEOUT");
    await channel.idle();
    expect(client.calls).toEqual(["initialize", "destroy", "initialize"]);
    expect(sleeps).toEqual([100]);
    expect(channel.pairingState()).toMatchObject({ lastDisconnectReason: "TIMEOUT" });
  });

  it("stops reconnecting once stopped", async () => {
    const { client, channel } = setup();
    await channel.idle();
    await channel.stop();
    client.emit("disconnected", "CONFLICT");
    await channel.idle();
    expect(client.calls).toEqual(["initialize", "destroy"]);
  });
});
