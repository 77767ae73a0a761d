import { kindOfPlatformType, type MessageKind } from "../../../domain/inbound-message.js";
import { asTimestamp } from "../meta/json-fields.js";
import { emptyBatch, inboundText, nonTextText, safeType, type WebhookBatch } from "../meta/webhook-batch.js";
import { InstagramWebhook, OTHER_EVENTS, type IgEvent } from "./instagram-payloads.js";

type Batch = ReturnType<typeof emptyBatch>;

/**
 * Instagram messaging webhook -> normalised batch. Reads `entry[].messaging[]`; the business is
 * `entry[].id`, the customer `sender.id` (IGSID), the message id `message.mid`. Echoes of the
 * business's own sends and deletions are skipped; attachments become non-text messages. A message
 * keeps what can be kept (an unusable time becomes `receivedAt`, an overlong text is cut); one
 * without an id, sender or account goes to `unusable`. Never throws.
 */
export function parseInstagramWebhook(body: unknown, maxMessageChars: number, receivedAt: Date = new Date()): WebhookBatch {
  const batch = emptyBatch();
  const root = InstagramWebhook.safeParse(body);
  if (!root.success) {
    batch.skipped.push({ reason: "wrong_object" });
    return batch;
  }
  for (const entry of root.data.entry) {
    const account = entry?.id;
    if (!entry || !account) {
      // Customer messages we cannot route are refused, not dropped; anything else was nothing.
      for (const event of entry?.messaging ?? []) if (event?.message) batch.unusable.push({ reason: "no_account" });
      batch.skipped.push({ reason: "malformed" });
      continue;
    }
    for (const change of entry.changes) batch.skipped.push({ reason: "not_a_message", type: safeType(change?.field) });
    for (const event of entry.messaging) mapEvent(event, account, maxMessageChars, receivedAt, batch);
  }
  return batch;
}

function mapEvent(event: IgEvent | undefined, account: string, maxChars: number, receivedAt: Date, batch: Batch): void {
  const message = event?.message;
  if (!event || !message) {
    const other = OTHER_EVENTS.find((key) => event?.[key] !== undefined);
    batch.skipped.push(other ? { reason: "not_a_message", type: other } : { reason: "malformed" });
    return;
  }
  // The business's own messages come back as echoes; the sender check also catches a missing flag.
  const sender = event.sender?.id;
  if (message.is_echo === true || (sender !== undefined && sender === account)) {
    batch.skipped.push({ reason: "echo" });
    return;
  }
  if (message.is_deleted === true) {
    batch.skipped.push({ reason: "deleted" });
    return;
  }
  const mid = message.mid;
  if (!mid || !sender) {
    batch.unusable.push({ reason: mid ? "no_sender" : "no_id" });
    return;
  }
  let kind: MessageKind = "text";
  let text: ReturnType<typeof inboundText>;
  if (message.text !== undefined && message.is_unsupported !== true) text = inboundText(message.text, maxChars);
  else {
    // Photos, voice notes, reels, story mentions, and what Instagram does not describe: stored with their kind, answered politely.
    const type = message.is_unsupported === true ? "unsupported" : safeType(message.attachments[0]?.type);
    kind = kindOfPlatformType(IG_KINDS, type);
    text = { text: nonTextText(kind, undefined, maxChars), cut: false };
  }
  if ("unusable" in text) {
    batch.unusable.push({ reason: text.unusable });
    return;
  }
  if ("skip" in text) {
    batch.skipped.push({ reason: text.skip, type: "text" });
    return;
  }
  if (text.cut) batch.adjusted.push({ reason: "text_cut" });
  const sentAt = asTimestamp(event.timestamp, receivedAt);
  if (!sentAt) batch.adjusted.push({ reason: "received_time" });
  batch.messages.push({
    channelKind: "instagram",
    platformAccountId: account,
    platformMessageId: mid,
    senderId: sender,
    kind,
    text: text.text,
    sentAt: sentAt ?? receivedAt,
  });
}

const IG_KINDS: Record<string, Exclude<MessageKind, "text">> = {
  image: "image",
  video: "video",
  audio: "audio",
  file: "document",
  sticker: "sticker",
};
