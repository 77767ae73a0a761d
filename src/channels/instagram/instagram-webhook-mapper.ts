import { kindOfPlatformType, nonTextMessageText, type MessageKind } from "../../domain/inbound-message.js";
import { asArray, asId, asRecord, asTimestamp, type JsonRecord } from "../meta/json-fields.js";
import { emptyBatch, inboundText, safeType, type WebhookBatch } from "../meta/webhook-batch.js";

type Batch = ReturnType<typeof emptyBatch>;

// Messaging events that are not customer messages, by the key that carries them.
const OTHER_EVENTS = ["read", "reaction", "postback", "referral", "optin", "delivery"] as const;

/**
 * Instagram messaging webhook -> normalised batch. Reads `entry[].messaging[]`; the business is
 * `entry[].id`, the customer `sender.id` (IGSID), the message id `message.mid`. Echoes of the
 * business's own sends and deletions are skipped; attachments become non-text messages. Never throws.
 */
export function parseInstagramWebhook(body: unknown, maxMessageChars: number): WebhookBatch {
  const batch = emptyBatch();
  const root = asRecord(body);
  if (root?.object !== "instagram") {
    batch.skipped.push({ reason: "wrong_object" });
    return batch;
  }
  for (const rawEntry of asArray(root.entry)) {
    const entry = asRecord(rawEntry);
    const account = asId(entry?.id);
    if (!entry || !account) {
      batch.skipped.push({ reason: "malformed" });
      continue;
    }
    for (const change of asArray(entry.changes)) batch.skipped.push({ reason: "not_a_message", type: safeType(asRecord(change)?.field) });
    for (const event of asArray(entry.messaging)) mapEvent(asRecord(event), account, maxMessageChars, batch);
  }
  return batch;
}

function mapEvent(event: JsonRecord | undefined, account: string, maxChars: number, batch: Batch): void {
  const message = asRecord(event?.message);
  if (!event || !message) {
    const other = OTHER_EVENTS.find((key) => event?.[key] !== undefined);
    batch.skipped.push(other ? { reason: "not_a_message", type: other } : { reason: "malformed" });
    return;
  }
  const mid = asId(message.mid);
  const sender = asId(asRecord(event.sender)?.id);
  const sentAt = asTimestamp(event.timestamp, "ms");
  if (!mid || !sender || !sentAt) {
    batch.skipped.push({ reason: "malformed" });
    return;
  }
  // The business's own messages come back as echoes; the sender check also catches a missing flag.
  if (message.is_echo === true || sender === account) {
    batch.skipped.push({ reason: "echo" });
    return;
  }
  if (message.is_deleted === true) {
    batch.skipped.push({ reason: "deleted" });
    return;
  }
  let kind: MessageKind = "text";
  let text: ReturnType<typeof inboundText>;
  const attachments = asArray(message.attachments);
  if (message.is_unsupported !== true && typeof message.text !== "string" && attachments.length === 0) {
    batch.skipped.push({ reason: "malformed" });
    return;
  }
  if (message.is_unsupported === true || typeof message.text !== "string") {
    // Photos, voice notes, reels, story mentions...: stored with their kind, answered politely.
    const type = message.is_unsupported === true ? "unsupported" : safeType(asRecord(attachments[0])?.type);
    kind = kindOfPlatformType(IG_KINDS, type);
    text = { text: nonTextMessageText(kind) };
  } else text = inboundText(message.text, maxChars);
  if ("skip" in text) {
    batch.skipped.push({ reason: text.skip, type: "text" });
    return;
  }
  batch.messages.push({
    channelKind: "instagram",
    platformAccountId: account,
    platformMessageId: mid,
    senderId: sender,
    kind,
    text: text.text,
    sentAt,
  });
}

const IG_KINDS: Record<string, Exclude<MessageKind, "text">> = { image: "image", video: "video", audio: "audio", file: "document", sticker: "sticker" };
