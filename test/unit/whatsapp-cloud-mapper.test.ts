import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { countSkipped } from "../../src/channels/meta/webhook-batch.js";
import { parseCloudWebhook } from "../../src/channels/whatsapp-cloud/cloud-webhook-mapper.js";

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

  it("normalises text and skips empty or overlong text", () => {
    const payload = (body: unknown) => {
      const p = fixture("whatsapp-text") as { entry: Array<{ changes: Array<{ value: { messages: Array<{ text: { body: unknown } }> } }> }> };
      p.entry[0]!.changes[0]!.value.messages[0]!.text.body = body;
      return p;
    };
    expect(parseCloudWebhook(payload("  Cafe\u0301\r\nOK \u0000 "), 4000).messages[0]?.text).toBe("Café\nOK");
    expect(parseCloudWebhook(payload("   "), 4000).skipped).toEqual([{ reason: "empty_text", type: "text" }]);
    expect(parseCloudWebhook(payload("x".repeat(11)), 10).skipped).toEqual([{ reason: "text_too_long", type: "text" }]);
    expect(parseCloudWebhook(payload(42), 4000).skipped).toEqual([{ reason: "empty_text", type: "text" }]);
  });

  it("never throws on other objects, missing fields or wrong types", () => {
    for (const body of [null, 1, "x", [], {}, { object: "instagram", entry: [] }, { object: "whatsapp_business_account" }, { object: "whatsapp_business_account", entry: [{ changes: [{ field: "messages", value: {} }] }] }, { object: "whatsapp_business_account", entry: [{ changes: [{ field: "account_update", value: {} }] }] }, { object: "whatsapp_business_account", entry: [{ changes: [{ field: "messages", value: { metadata: { phone_number_id: "1" }, messages: [{ id: "wamid.x", type: "text" }], statuses: [{ id: "wamid.y", status: "deleted", timestamp: "1" }] } }] }] }]) {
      const batch = parseCloudWebhook(body, 4000);
      expect(batch.messages).toEqual([]);
    }
  });
});

describe("timestamps", () => {
  it("accepts seconds as string or number, refuses nonsense", async () => {
    const { asTimestamp } = await import("../../src/channels/meta/json-fields.js");
    expect(asTimestamp("1749416383", "s")).toEqual(new Date(1749416383000));
    expect(asTimestamp(1749416383, "s")).toEqual(new Date(1749416383000));
    expect(asTimestamp(1749416383519, "ms")).toEqual(new Date(1749416383519));
    for (const bad of [1, 0, -5, "1.5", "", "abc", null, true, 1e20, Number.NaN]) expect(asTimestamp(bad, "s")).toBeUndefined();
    expect(asTimestamp(1749416383, "ms")).toBeUndefined();
  });
});
