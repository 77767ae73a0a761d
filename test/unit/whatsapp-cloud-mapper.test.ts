import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { countSkipped } from "../../src/adapters/channels/meta/webhook-batch.js";
import { parseCloudWebhook } from "../../src/adapters/channels/whatsapp-cloud/cloud-webhook-mapper.js";

const fixture = (name: string): unknown => JSON.parse(readFileSync(`test/fixtures/meta/${name}.json`, "utf8"));

describe("WhatsApp Cloud API webhook mapping", () => {
  it("maps a text message: wamid as id, phone_number_id as account, wa_id as sender, profile name", () => {
    const batch = parseCloudWebhook(fixture("whatsapp-text"), 4000);
    expect(batch.messages).toEqual([
      {
        channelKind: "whatsapp_cloud",
        platformAccountId: "106540352242922",
        platformMessageId: "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=",
        senderId: "16505551234",
        senderName: "Sheena Nelson",
        kind: "text",
        text: "Does it come in another color?",
        sentAt: new Date(1749416383 * 1000),
      },
    ]);
    expect(batch.statuses).toEqual([]);
    expect(batch.skipped).toEqual([]);
  });

  it("maps image, voice, sticker, location and unsupported messages to their kind with a placeholder and caption", () => {
    const batch = parseCloudWebhook(fixture("whatsapp-non-text"), 4000);
    expect(batch.messages.map((m) => [m.kind, m.text])).toEqual([
      ["image", "[photo] This one"],
      ["voice", "[voice note]"],
      ["sticker", "[sticker]"],
      ["location", "[location] Philz Coffee, 101 Forest Ave, Palo Alto, CA 94301"],
      ["other", "[attachment]"],
      ["text", "Sorry, wrong photo. Do you have it in blue?"],
    ]);
    expect(batch.skipped).toEqual([]);
  });

  it("maps a type named like an Object member (__proto__, constructor) to other, not to Object's members", () => {
    // Found by meta-webhook-properties.test.ts: type "__proto__" once answered 500.
    for (const type of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
      type Payload = { entry: Array<{ changes: Array<{ value: { messages: Array<Record<string, unknown>> } }> }> };
      const payload = fixture("whatsapp-non-text") as Payload;
      const value = payload.entry[0]!.changes[0]!.value;
      value.messages = [{ ...value.messages[0]!, type }];
      expect(parseCloudWebhook(payload, 4000).messages.map((m) => [m.kind, m.text])).toEqual([["other", "[attachment]"]]);
    }
  });

  it("exposes sent/delivered/read/failed receipts with the failure's code and title", () => {
    const batch = parseCloudWebhook(fixture("whatsapp-statuses"), 4000);
    expect(batch.messages).toEqual([]);
    expect(batch.statuses.map((s) => [s.status, s.platformMessageId.slice(-8), s.platformAccountId])).toEqual([
      ["sent", "QUVFM0YA", "106540352242922"],
      ["delivered", "QUVFM0YA", "106540352242922"],
      ["read", "QUVFM0YA", "106540352242922"],
      ["failed", "MTE4RTUA", "106540352242922"],
    ]);
    expect(batch.statuses[3]?.error).toEqual({ code: 131047, title: "Re-engagement message" });
    expect(batch.statuses[0]?.at).toEqual(new Date(1750263773 * 1000));
  });

  it("maps the same payload to the same ids every time", () => {
    const a = parseCloudWebhook(fixture("whatsapp-non-text"), 4000);
    const b = parseCloudWebhook(fixture("whatsapp-non-text"), 4000);
    expect(a).toEqual(b);
  });

  it("normalises text, skips blank text, cuts overlong text to the limit and refuses text that is not a string", () => {
    const payload = (body: unknown) => {
      const p = fixture("whatsapp-text") as { entry: Array<{ changes: Array<{ value: { messages: Array<{ text: { body: unknown } }> } }> }> };
      p.entry[0]!.changes[0]!.value.messages[0]!.text.body = body;
      return p;
    };
    expect(parseCloudWebhook(payload("  Cafe\u0301\r\nOK \u0000 "), 4000).messages[0]?.text).toBe("Café\nOK");
    expect(parseCloudWebhook(payload("   "), 4000).skipped).toEqual([{ reason: "empty_text", type: "text" }]);
    const long = parseCloudWebhook(payload("x".repeat(11)), 10);
    expect(long.messages.map((m) => m.text)).toEqual(["x".repeat(10)]);
    expect(long.adjusted).toEqual([{ reason: "text_cut" }]);
    const number = parseCloudWebhook(payload(42), 4000);
    expect(number.messages).toEqual([]);
    expect(number.unusable).toEqual([{ reason: "no_text" }]);
  });

  it("cuts an overlong text between characters as displayed, never inside an emoji", () => {
    const payload = (body: string) => {
      const p = fixture("whatsapp-text") as { entry: Array<{ changes: Array<{ value: { messages: Array<{ text: { body: string } }> } }> }> };
      p.entry[0]!.changes[0]!.value.messages[0]!.text.body = body;
      return p;
    };
    // 4,001 emoji of one code point (two UTF-16 units each): 4,000 are kept, all whole.
    const text = parseCloudWebhook(payload("😀".repeat(4001)), 4000).messages[0]!.text;
    expect([...text]).toHaveLength(4000);
    expect(text).toBe("😀".repeat(4000));
    // A family emoji is five code points; one that does not fit whole is left out whole.
    expect(parseCloudWebhook(payload("ab👨‍👩‍👧"), 5).messages[0]!.text).toBe("ab");
    expect(parseCloudWebhook(payload("ab👨‍👩‍👧"), 7).messages[0]!.text).toBe("ab👨‍👩‍👧");
  });

  it("stores a message whose time is in milliseconds, nonsense or missing, with the received time where it is unusable", () => {
    const receivedAt = new Date("2026-12-02T10:00:00Z");
    const withTimestamp = (timestamp: unknown) => {
      const p = fixture("whatsapp-text") as { entry: Array<{ changes: Array<{ value: { messages: Array<Record<string, unknown>> } }> }> };
      const message = p.entry[0]!.changes[0]!.value.messages[0]!;
      if (timestamp === undefined) delete message.timestamp;
      else message.timestamp = timestamp;
      return parseCloudWebhook(p, 4000, receivedAt);
    };
    const ms = withTimestamp("1749416383519");
    expect(ms.messages.map((m) => m.sentAt)).toEqual([new Date(1749416383519)]);
    expect(ms.adjusted).toEqual([]);
    for (const bad of [
      "1",
      "0",
      "99999999999999999",
      "1e12",
      "",
      "abc",
      null,
      true,
      -5,
      1e20,
      undefined,
      String(Math.floor(receivedAt.getTime() / 1000) + 3 * 86400),
    ]) {
      const batch = withTimestamp(bad);
      expect(batch.messages.map((m) => [m.text, m.sentAt])).toEqual([["Does it come in another color?", receivedAt]]);
      expect(batch.adjusted).toEqual([{ reason: "received_time" }]);
      expect(batch.skipped).toEqual([]);
    }
  });

  it("refuses customer messages without an id or sender (or a business account) instead of skipping them", () => {
    type Payload = { entry: Array<{ changes: Array<{ value: { metadata?: unknown; messages: Array<Record<string, unknown>> } }> }> };
    const patched = (patch: (p: Payload) => void) => {
      const p = fixture("whatsapp-text") as Payload;
      patch(p);
      return parseCloudWebhook(p, 4000);
    };
    expect(patched((p) => delete p.entry[0]!.changes[0]!.value.messages[0]!.id).unusable).toEqual([{ reason: "no_id" }]);
    expect(patched((p) => (p.entry[0]!.changes[0]!.value.messages[0]!.from = 16505551234)).unusable).toEqual([{ reason: "no_sender" }]);
    expect(patched((p) => delete p.entry[0]!.changes[0]!.value.metadata).unusable).toEqual([{ reason: "no_account" }]);
    expect(patched((p) => (p.entry[0]!.changes[0]!.value.messages = [null as unknown as Record<string, unknown>])).unusable).toEqual([
      { reason: "not_an_object" },
    ]);
    // A message of no type, or of one we do not know, is still the customer's: stored as "other".
    const untyped = patched((p) => delete p.entry[0]!.changes[0]!.value.messages[0]!.type);
    expect(untyped.messages.map((m) => [m.kind, m.text])).toEqual([["other", "[attachment]"]]);
    // A system notice (number changed) and a reaction are not messages.
    expect(patched((p) => (p.entry[0]!.changes[0]!.value.messages[0]!.type = "system")).skipped).toEqual([
      { reason: "not_a_message", type: "system" },
    ]);
  });

  it("cleans captions like text: a NUL in a caption would make PostgreSQL refuse the row", () => {
    const batch = parseCloudWebhook(fixture("whatsapp-non-text"), 4000);
    type Payload = { entry: Array<{ changes: Array<{ value: { messages: Array<Record<string, unknown>> } }> }> };
    const p = fixture("whatsapp-non-text") as Payload;
    p.entry[0]!.changes[0]!.value.messages = [{ ...p.entry[0]!.changes[0]!.value.messages[0]!, image: { caption: " This\u0000 one\r\n" } }];
    expect(parseCloudWebhook(p, 4000).messages.map((m) => m.text)).toEqual(["[photo] This one"]);
    expect(batch.messages[0]!.text).toBe("[photo] This one");
  });

  it("keeps the good parts of a batch whose other entries, changes, messages or statuses are malformed", () => {
    type Payload = { entry: Array<{ changes: Array<{ value: { messages: unknown[]; contacts: unknown[] } }> }> };
    const good = fixture("whatsapp-text") as Payload;
    const change = good.entry[0]!.changes[0]!;
    change.value.messages = [7, { ...(change.value.messages[0] as object), extra: { new: "field" } }, { id: "wamid.z", from: 5 }];
    change.value.contacts = ["x", ...change.value.contacts];
    const receipts = fixture("whatsapp-statuses") as { entry: Array<{ changes: Array<{ value: { statuses: unknown[] } }> }> };
    receipts.entry[0]!.changes[0]!.value.statuses.unshift(null, { id: ["no"], status: "read" });
    const body = {
      object: "whatsapp_business_account",
      entry: ["entry", { changes: "none" }, { changes: [7, { field: "messages", value: [] }] }, ...good.entry, ...receipts.entry],
    };
    const batch = parseCloudWebhook(body, 4000);
    expect(batch.messages.map((m) => [m.platformMessageId, m.senderName])).toEqual([[expect.stringMatching(/^wamid\./), "Sheena Nelson"]]);
    expect(batch.statuses.length).toBe(receipts.entry[0]!.changes[0]!.value.statuses.length - 2);
    expect(batch.unusable).toEqual([{ reason: "not_an_object" }, { reason: "no_sender" }]);
    expect(countSkipped(batch.skipped)).toEqual({ "not_a_message:other": 1, malformed: 1, "malformed:status": 2 });
  });

  it("never throws on other objects, missing fields or wrong types", () => {
    for (const body of [
      null,
      1,
      "x",
      [],
      {},
      { object: "instagram", entry: [] },
      { object: "whatsapp_business_account" },
      { object: "whatsapp_business_account", entry: [{ changes: [{ field: "messages", value: {} }] }] },
      { object: "whatsapp_business_account", entry: [{ changes: [{ field: "account_update", value: {} }] }] },
      {
        object: "whatsapp_business_account",
        entry: [
          {
            changes: [
              {
                field: "messages",
                value: {
                  metadata: { phone_number_id: "1" },
                  messages: [{ id: "wamid.x", type: "text" }],
                  statuses: [{ id: "wamid.y", status: "deleted", timestamp: "1" }],
                },
              },
            ],
          },
        ],
      },
    ]) {
      const batch = parseCloudWebhook(body, 4000);
      expect(batch.messages).toEqual([]);
    }
  });
});

describe("timestamps", () => {
  it("reads seconds or milliseconds by size, as string or number; refuses times before 2001 or ahead of now", async () => {
    const { asTimestamp } = await import("../../src/adapters/channels/meta/json-fields.js");
    const now = new Date("2026-12-02T10:00:00Z");
    expect(asTimestamp("1749416383", now)).toEqual(new Date(1749416383000));
    expect(asTimestamp(1749416383, now)).toEqual(new Date(1749416383000));
    expect(asTimestamp("1749416383.5", now)).toEqual(new Date(1749416383500));
    expect(asTimestamp(1749416383519, now)).toEqual(new Date(1749416383519));
    expect(asTimestamp("1749416383519", now)).toEqual(new Date(1749416383519));
    for (const bad of [1, 0, -5, "1.5", "", "abc", null, true, 1e20, 5e11, Number.NaN, Number.POSITIVE_INFINITY, now.getTime() + 2 * 86400_000])
      expect(asTimestamp(bad, now)).toBeUndefined();
  });
});
