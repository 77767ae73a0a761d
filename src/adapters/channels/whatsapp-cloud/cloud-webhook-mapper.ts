import { kindOfPlatformType, type MessageKind } from "../../../domain/inbound-message.js";
import { asArray, asDisplayName, asId, asRecord, asString, asTimestamp, type JsonRecord } from "../meta/json-fields.js";
import {
  emptyBatch,
  inboundText,
  nonTextText,
  safeType,
  type MetaStatusUpdate,
  type OutboundStatus,
  type WebhookBatch,
} from "../meta/webhook-batch.js";

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
  const root = asRecord(body);
  if (root?.object !== "whatsapp_business_account") {
    batch.skipped.push({ reason: "wrong_object" });
    return batch;
  }
  for (const entry of asArray(root.entry)) {
    for (const rawChange of asArray(asRecord(entry)?.changes)) {
      const change = asRecord(rawChange);
      if (change?.field !== "messages") {
        batch.skipped.push({ reason: "not_a_message", type: safeType(change?.field) });
        continue;
      }
      const value = asRecord(change.value);
      const account = asId(asRecord(value?.metadata)?.phone_number_id);
      if (!value || !account) {
        // Customer messages we cannot route are refused, not dropped; anything else was nothing.
        for (const _ of asArray(value?.messages)) batch.unusable.push({ reason: "no_account" });
        batch.skipped.push({ reason: "malformed" });
        continue;
      }
      const names = contactNames(value.contacts);
      for (const message of asArray(value.messages)) mapMessage(asRecord(message), account, names, maxMessageChars, receivedAt, batch);
      for (const status of asArray(value.statuses)) mapStatus(asRecord(status), account, receivedAt, batch);
    }
  }
  return batch;
}

function mapMessage(
  message: JsonRecord | undefined,
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
  if (typeof message.type === "string" && NOT_MESSAGES.has(message.type)) {
    batch.skipped.push({ reason: "not_a_message", type: message.type });
    return;
  }
  const id = asId(message.id);
  const from = asId(message.from);
  if (!id || !from) {
    batch.unusable.push({ reason: id ? "no_sender" : "no_id" });
    return;
  }
  // A type we do not know (or none) is still a customer's message: stored as "other", answered politely.
  const nonText = message.type === "text" ? undefined : cloudNonText(message, maxChars);
  const text = nonText ? { text: nonText.text, cut: false } : inboundText(asRecord(message.text)?.body, maxChars);
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
function cloudNonText(message: JsonRecord, maxChars: number): { kind: Exclude<MessageKind, "text">; text: string } {
  const type = typeof message.type === "string" ? message.type : undefined;
  const media = type === undefined ? undefined : asRecord(message[type]);
  let kind = kindOfPlatformType(CLOUD_KINDS, type);
  if (kind === "audio" && media?.voice === true) kind = "voice";
  const caption =
    kind === "location"
      ? [media?.name, media?.address].filter((v): v is string => typeof v === "string" && v.trim() !== "").join(", ")
      : typeof media?.caption === "string"
        ? media.caption
        : undefined;
  return { kind, text: nonTextText(kind, caption, maxChars) };
}

function mapStatus(status: JsonRecord | undefined, account: string, receivedAt: Date, batch: Batch): void {
  const id = asId(status?.id);
  if (!status || !id) {
    batch.skipped.push({ reason: "malformed", type: "status" });
    return;
  }
  const value = asString(status.status);
  if (!value || !STATUSES.has(value)) {
    batch.skipped.push({ reason: "unknown_status", type: safeType(value) });
    return;
  }
  const at = asTimestamp(status.timestamp, receivedAt) ?? receivedAt;
  const update: MetaStatusUpdate = { platformAccountId: account, platformMessageId: id, status: value as OutboundStatus, at };
  const error = asRecord(asArray(status.errors)[0]);
  if (value === "failed" && error) {
    const code = typeof error.code === "number" ? error.code : undefined;
    const title = asString(error.title)?.slice(0, 200);
    batch.statuses.push({ ...update, error: { ...(code !== undefined ? { code } : {}), ...(title ? { title } : {}) } });
  } else {
    batch.statuses.push(update);
  }
}

/** wa_id -> profile name, from `value.contacts[]`. */
function contactNames(contacts: unknown): Map<string, string> {
  const names = new Map<string, string>();
  for (const raw of asArray(contacts)) {
    const contact = asRecord(raw);
    const waId = asId(contact?.wa_id);
    const name = asDisplayName(asRecord(contact?.profile)?.name);
    if (waId && name) names.set(waId, name);
  }
  return names;
}
