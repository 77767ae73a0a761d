import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseInstagramWebhook } from "../../src/adapters/channels/instagram/instagram-webhook-mapper.js";
import { countSkipped } from "../../src/adapters/channels/meta/webhook-batch.js";

const fixture = (name: string): unknown => JSON.parse(readFileSync(`test/fixtures/meta/${name}.json`, "utf8"));

describe("Instagram messaging webhook mapping", () => {
  it("maps a customer text: mid as id, entry id as account, IGSID as sender", () => {
    const batch = parseInstagramWebhook(fixture("instagram-text"), 4000);
    expect(batch.messages).toEqual([
      {
        channelKind: "instagram",
        platformAccountId: "17841405822304914",
        platformMessageId: expect.stringMatching(/^aWdfZAG1faXRlbTox.*MAZDZD$/),
        senderId: "6578843942192093",
        kind: "text",
        text: "Hi! Is the lemon cake available today?",
        sentAt: new Date(1749416383519),
      },
    ]);
  });

  it("drops the business's own messages (is_echo) and deleted messages", () => {
    expect(parseInstagramWebhook(fixture("instagram-echo"), 4000)).toEqual({
      messages: [],
      statuses: [],
      skipped: [{ reason: "echo" }],
      unusable: [],
      adjusted: [],
    });
    expect(parseInstagramWebhook(fixture("instagram-deleted"), 4000)).toEqual({
      messages: [],
      statuses: [],
      skipped: [{ reason: "deleted" }],
      unusable: [],
      adjusted: [],
    });
  });

  it("treats a message from the account itself as an echo even without the flag", () => {
    const p = fixture("instagram-echo") as { entry: Array<{ messaging: Array<{ message: Record<string, unknown> }> }> };
    delete p.entry[0]!.messaging[0]!.message.is_echo;
    expect(parseInstagramWebhook(p, 4000).messages).toEqual([]);
  });

  it("maps attachments and unsupported messages to their kind with a placeholder, and skips read receipts", () => {
    const batch = parseInstagramWebhook(fixture("instagram-attachments"), 4000);
    expect(batch.messages.map((m) => [m.kind, m.text])).toEqual([
      ["image", "[photo]"],
      ["audio", "[audio]"],
      ["other", "[attachment]"],
      ["text", "The one in the photo, please 🍋"],
    ]);
    expect(countSkipped(batch.skipped)).toEqual({ "not_a_message:read": 1 });
  });

  it("stores a message whose time is in seconds or nonsense, with the received time where it is unusable", () => {
    const receivedAt = new Date("2026-12-02T10:00:00Z");
    const withTimestamp = (timestamp: unknown) => {
      const p = fixture("instagram-text") as { entry: Array<{ messaging: Array<Record<string, unknown>> }> };
      p.entry[0]!.messaging[0]!.timestamp = timestamp;
      return parseInstagramWebhook(p, 4000, receivedAt);
    };
    expect(withTimestamp(1749416383).messages.map((m) => m.sentAt)).toEqual([new Date(1749416383000)]);
    for (const bad of [1, "1", null, undefined, 1e20, receivedAt.getTime() + 3 * 86400_000]) {
      const batch = withTimestamp(bad);
      expect(batch.messages.map((m) => [m.text, m.sentAt])).toEqual([["Hi! Is the lemon cake available today?", receivedAt]]);
      expect(batch.adjusted).toEqual([{ reason: "received_time" }]);
    }
  });

  it("refuses customer messages without a mid, sender or account; stores one with neither text nor attachments as other", () => {
    type Payload = { entry: Array<{ id?: unknown; messaging: Array<{ sender: { id?: unknown }; message: Record<string, unknown> }> }> };
    const patched = (patch: (p: Payload) => void) => {
      const p = fixture("instagram-text") as Payload;
      patch(p);
      return parseInstagramWebhook(p, 4000);
    };
    expect(patched((p) => delete p.entry[0]!.messaging[0]!.message.mid).unusable).toEqual([{ reason: "no_id" }]);
    expect(patched((p) => delete p.entry[0]!.messaging[0]!.sender.id).unusable).toEqual([{ reason: "no_sender" }]);
    expect(patched((p) => delete p.entry[0]!.id).unusable).toEqual([{ reason: "no_account" }]);
    expect(patched((p) => (p.entry[0]!.messaging[0]!.message.text = 5)).unusable).toEqual([{ reason: "no_text" }]);
    const bare = patched((p) => delete p.entry[0]!.messaging[0]!.message.text);
    expect(bare.messages.map((m) => [m.kind, m.text])).toEqual([["other", "[attachment]"]]);
    const long = fixture("instagram-text") as Payload;
    long.entry[0]!.messaging[0]!.message.text = "🍋".repeat(30);
    const cut = parseInstagramWebhook(long, 20);
    expect(cut.messages.map((m) => m.text)).toEqual(["🍋".repeat(20)]);
    expect(cut.adjusted).toEqual([{ reason: "text_cut" }]);
  });

  it("keeps the good parts of a batch whose other entries or events are malformed", () => {
    type Payload = { entry: Array<{ messaging: unknown[] }> };
    const good = fixture("instagram-text") as Payload;
    good.entry[0]!.messaging.unshift(null, "x", { sender: { id: "2" }, message: { mid: 5, text: "no id" } });
    const unroutable = { id: 7, messaging: [{ sender: { id: "2" }, message: { mid: "m", text: "hi" } }, { read: {} }] };
    const batch = parseInstagramWebhook({ object: "instagram", entry: [[], unroutable, ...good.entry], extra: true }, 4000);
    expect(batch.messages.map((m) => m.text)).toEqual(["Hi! Is the lemon cake available today?"]);
    expect(batch.unusable).toEqual([{ reason: "no_account" }, { reason: "no_id" }]);
    expect(countSkipped(batch.skipped)).toEqual({ malformed: 4 });
  });

  it("never throws on other objects, missing fields or wrong types", () => {
    for (const body of [
      null,
      [],
      { object: "whatsapp_business_account", entry: [] },
      { object: "instagram", entry: [{}] },
      {
        object: "instagram",
        entry: [{ id: "1", messaging: [null, {}, { message: {} }, { sender: { id: "2" }, timestamp: 1, message: { mid: "m", text: 5 } }] }],
      },
      { object: "instagram", entry: [{ id: "1", changes: [{ field: "comments", value: {} }] }] },
    ]) {
      expect(parseInstagramWebhook(body, 4000).messages).toEqual([]);
    }
  });
});
