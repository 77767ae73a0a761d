import { kindOfPlatformType, type MessageKind } from "../../../domain/inbound-message.js";
import { asDisplayName, asTimestamp } from "../meta/json-fields.js";
import {
  emptyBatch,
  inboundText,
  nonTextText,
  safeType,
  type MetaStatusUpdate,
  type OutboundStatus,
  type WebhookBatch,
} from "../meta/webhook-batch.js";
import { CloudMedia, CloudWebhook, type CloudMessage, type CloudStatus } from "./cloud-payloads.js";

type Batch = ReturnType<typeof emptyBatch>;

const STATUSES: ReadonlySet<string> = new Set<OutboundStatus>(["sent", "delivered", "read", "failed"]);

// Not something a customer wrote: a reaction is an emoji on an earlier message; a system message
// says the customer changed their number.
const NOT_MESSAGES: ReadonlySet<string> = new Set(["reaction", "system"]);

/**
 * WhatsApp Cloud API webhook -> normalised batch. Reads `entry[].changes[]` with field "messages":
 * `value.messages[]` (customer messages; non-text ones as their kind with a placeholder text) and `value.statuses[]` (receipts for
 * what we sent). The business is `value.metadata.phone_number_id`. A message keeps what can be
 * kept: an unusable time becomes `receivedAt`, an overlong text is cut; one without an id, sender
 * or account goes to `unusable`. Never throws on any input.
 */
export function parseCloudWebhook(body: unknown, maxMessageChars: number, receivedAt: Date = new Date()): WebhookBatch {
  const batch = emptyBatch();
  const root = CloudWebhook.safeParse(body);
  if (!root.success) {
    batch.skipped.push({ reason: "wrong_object" });
    return batch;
  }
  for (const entry of root.data.entry) {
    for (const change of entry?.changes ?? []) {
      if (change?.field !== "messages") {
        batch.skipped.push({ reason: "not_a_message", type: safeType(change?.field) });
        continue;
      }
      const value = change.value;
      const account = value?.metadata?.phone_number_id;
      if (!value || !account) {
        // Customer messages we cannot route are refused, not dropped; anything else was nothing.
        for (const _ of value?.messages ?? []) batch.unusable.push({ reason: "no_account" });
        batch.skipped.push({ reason: "malformed" });
        continue;
      }
      const names = new Map<string, string>();
      for (const contact of value.contacts) {
        const name = asDisplayName(contact?.profile?.name);
        if (contact?.wa_id && name) names.set(contact.wa_id, name);
      }
      for (const message of value.messages) mapMessage(message, account, names, maxMessageChars, receivedAt, batch);
      for (const status of value.statuses) mapStatus(status, account, receivedAt, batch);
    }
  }
  return batch;
}

function mapMessage(
  message: CloudMessage | undefined,
  account: string,
  names: Map<string, string>,
  maxChars: number,
  receivedAt: Date,
  batch: Batch,
): void {
  if (!message) {
    batch.unusable.push({ reason: "not_an_object" });
    return;
  }
  if (message.type !== undefined && NOT_MESSAGES.has(message.type)) {
    batch.skipped.push({ reason: "not_a_message", type: message.type });
    return;
  }
  const { id, from } = message;
  if (!id || !from) {
    batch.unusable.push({ reason: id ? "no_sender" : "no_id" });
    return;
  }
  // A type we do not know (or none) is still a customer's message: stored as "other", answered politely.
  const nonText = message.type === "text" ? undefined : cloudNonText(message, maxChars);
  const text = nonText ? { text: nonText.text, cut: false } : inboundText(message.text?.body, maxChars);
  if ("unusable" in text) {
    batch.unusable.push({ reason: text.unusable });
    return;
  }
  if ("skip" in text) {
    batch.skipped.push({ reason: text.skip, type: "text" });
    return;
  }
  if (text.cut) batch.adjusted.push({ reason: "text_cut" });
  const sentAt = asTimestamp(message.timestamp, receivedAt);
  if (!sentAt) batch.adjusted.push({ reason: "received_time" });
  const senderName = names.get(from);
  batch.messages.push({
    channelKind: "whatsapp_cloud",
    platformAccountId: account,
    platformMessageId: id,
    senderId: from,
    ...(senderName ? { senderName } : {}),
    kind: nonText?.kind ?? "text",
    text: text.text,
    sentAt: sentAt ?? receivedAt,
  });
}

const CLOUD_KINDS: Record<string, Exclude<MessageKind, "text">> = {
  image: "image",
  audio: "audio",
  video: "video",
  sticker: "sticker",
  location: "location",
  document: "document",
  contacts: "contact",
};

/** Photos, voice notes, stickers, locations...: stored with their kind and caption, answered politely. */
function cloudNonText(message: CloudMessage, maxChars: number): { kind: Exclude<MessageKind, "text">; text: string } {
  const type = message.type;
  // The media part sits under the message's own type; a type we do not know may carry a caption too.
  const media = type !== undefined && Object.hasOwn(message, type) ? CloudMedia.safeParse(message[type]).data : undefined;
  let kind = kindOfPlatformType(CLOUD_KINDS, type);
  if (kind === "audio" && media?.voice === true) kind = "voice";
  const caption =
    kind === "location" ? [media?.name, media?.address].filter((v): v is string => v !== undefined && v.trim() !== "").join(", ") : media?.caption;
  return { kind, text: nonTextText(kind, caption, maxChars) };
}

function mapStatus(status: CloudStatus | undefined, account: string, receivedAt: Date, batch: Batch): void {
  const id = status?.id;
  if (!status || !id) {
    batch.skipped.push({ reason: "malformed", type: "status" });
    return;
  }
  const value = status.status;
  if (!value || !STATUSES.has(value)) {
    batch.skipped.push({ reason: "unknown_status", type: safeType(value) });
    return;
  }
  const at = asTimestamp(status.timestamp, receivedAt) ?? receivedAt;
  const update: MetaStatusUpdate = { platformAccountId: account, platformMessageId: id, status: value as OutboundStatus, at };
  const error = status.errors[0];
  if (value === "failed" && error) {
    const title = error.title?.slice(0, 200);
    batch.statuses.push({ ...update, error: { ...(error.code !== undefined ? { code: error.code } : {}), ...(title ? { title } : {}) } });
  } else {
    batch.statuses.push(update);
  }
}
