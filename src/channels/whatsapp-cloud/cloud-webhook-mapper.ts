import { kindOfPlatformType, nonTextMessageText, type MessageKind } from "../../domain/inbound-message.js";
import { asArray, asDisplayName, asId, asRecord, asString, asTimestamp, type JsonRecord } from "../meta/json-fields.js";
import { emptyBatch, inboundText, safeType, type MetaStatusUpdate, type OutboundStatus, type WebhookBatch } from "../meta/webhook-batch.js";

type Batch = ReturnType<typeof emptyBatch>;

const STATUSES: ReadonlySet<string> = new Set<OutboundStatus>(["sent", "delivered", "read", "failed"]);

/**
 * WhatsApp Cloud API webhook -> normalised batch. Reads `entry[].changes[]` with field "messages":
 * `value.messages[]` (customer messages; non-text ones as their kind with a placeholder text) and `value.statuses[]` (receipts for
 * what we sent). The business is `value.metadata.phone_number_id`. Never throws on any input.
 */
export function parseCloudWebhook(body: unknown, maxMessageChars: number): WebhookBatch {
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
        batch.skipped.push({ reason: "malformed" });
        continue;
      }
      const names = contactNames(value.contacts);
      for (const message of asArray(value.messages)) mapMessage(asRecord(message), account, names, maxMessageChars, batch);
      for (const status of asArray(value.statuses)) mapStatus(asRecord(status), account, batch);
    }
  }
  return batch;
}

function mapMessage(message: JsonRecord | undefined, account: string, names: Map<string, string>, maxChars: number, batch: Batch): void {
  const id = asId(message?.id);
  const from = asId(message?.from);
  const sentAt = asTimestamp(message?.timestamp, "s");
  if (!message || !id || !from || !sentAt) {
    batch.skipped.push({ reason: "malformed" });
    return;
  }
  if (typeof message.type !== "string" || message.type === "") {
    batch.skipped.push({ reason: "malformed" });
    return;
  }
  // A reaction is an emoji on an earlier message, not something to answer.
  if (message.type === "reaction") {
    batch.skipped.push({ reason: "not_a_message", type: "reaction" });
    return;
  }
  const nonText = message.type === "text" ? undefined : cloudNonText(message);
  const text = nonText ? { text: nonText.text.slice(0, maxChars) } : inboundText(asRecord(message.text)?.body, maxChars);
  if ("skip" in text) {
    batch.skipped.push({ reason: text.skip, type: "text" });
    return;
  }
  const senderName = names.get(from);
  batch.messages.push({
    channelKind: "whatsapp_cloud",
    platformAccountId: account,
    platformMessageId: id,
    senderId: from,
    ...(senderName ? { senderName } : {}),
    kind: nonText?.kind ?? "text",
    text: text.text,
    sentAt,
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
function cloudNonText(message: JsonRecord): { kind: Exclude<MessageKind, "text">; text: string } {
  const type = typeof message.type === "string" ? message.type : "";
  const media = asRecord(message[type]);
  let kind = kindOfPlatformType(CLOUD_KINDS, type);
  if (kind === "audio" && media?.voice === true) kind = "voice";
  const caption =
    kind === "location"
      ? [media?.name, media?.address].filter((v): v is string => typeof v === "string" && v.trim() !== "").join(", ")
      : typeof media?.caption === "string"
        ? media.caption
        : undefined;
  return { kind, text: nonTextMessageText(kind, caption) };
}

function mapStatus(status: JsonRecord | undefined, account: string, batch: Batch): void {
  const id = asId(status?.id);
  const at = asTimestamp(status?.timestamp, "s");
  if (!status || !id || !at) {
    batch.skipped.push({ reason: "malformed", type: "status" });
    return;
  }
  const value = asString(status.status);
  if (!value || !STATUSES.has(value)) {
    batch.skipped.push({ reason: "unknown_status", type: safeType(value) });
    return;
  }
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
