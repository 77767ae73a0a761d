import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseInstagramWebhook } from "../../src/channels/instagram/instagram-webhook-mapper.js";
import { countSkipped } from "../../src/channels/meta/webhook-batch.js";

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
    expect(parseInstagramWebhook(fixture("instagram-echo"), 4000)).toEqual({ messages: [], statuses: [], skipped: [{ reason: "echo" }] });
    expect(parseInstagramWebhook(fixture("instagram-deleted"), 4000)).toEqual({ messages: [], statuses: [], skipped: [{ reason: "deleted" }] });
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

  it("never throws on other objects, missing fields or wrong types", () => {
    for (const body of [null, [], { object: "whatsapp_business_account", entry: [] }, { object: "instagram", entry: [{}] }, { object: "instagram", entry: [{ id: "1", messaging: [null, {}, { message: {} }, { sender: { id: "2" }, timestamp: 1, message: { mid: "m", text: 5 } }] }] }, { object: "instagram", entry: [{ id: "1", changes: [{ field: "comments", value: {} }] }] }]) {
      expect(parseInstagramWebhook(body, 4000).messages).toEqual([]);
    }
  });
});
