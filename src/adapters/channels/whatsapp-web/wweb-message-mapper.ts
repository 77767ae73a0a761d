import { kindOfPlatformType, nonTextMessageText, type InboundMessage, type MessageKind } from "../../../domain/inbound-message.js";
import type { OwnerMessage } from "../../../domain/owner-message.js";
import { asId, asTimestamp } from "../meta/json-fields.js";
import { inboundText, nonTextText, type SkipReason } from "../meta/webhook-batch.js";
import type { WwebMessage } from "./wweb-client.js";

export interface WwebChannelConfig {
  readonly id: string;
  /** Channel.platformAccountId of this whatsapp_web channel. */
  readonly platformAccountId: string;
  /** Answer group chats too (off by default: a bot in a group is rarely welcome). */
  readonly allowGroups?: boolean;
}

export type WwebSkip = {
  readonly skip: SkipReason | "from_me" | "not_from_me" | "status" | "group" | "broadcast" | "self_chat";
  readonly type?: string;
};

/**
 * One whatsapp-web.js message -> our message, or why it is not one. Pure. A message keeps what can
 * be kept: an unusable time becomes `receivedAt`, an overlong text is cut to the limit.
 */
export function mapWwebMessage(
  message: WwebMessage,
  channel: WwebChannelConfig,
  maxMessageChars: number,
  receivedAt: Date = new Date(),
): { message: InboundMessage } | WwebSkip {
  if (message.fromMe) return { skip: "from_me" };
  const from = asId(message.from);
  if (message.isStatus || from === "status@broadcast") return { skip: "status" };
  if (!from) return { skip: "malformed" };
  if (from.endsWith("@broadcast") || from.endsWith("@newsletter")) return { skip: "broadcast" };
  if (from.endsWith("@g.us") && !channel.allowGroups) return { skip: "group" };
  const id = asId(message.id?._serialized);
  if (!id) return { skip: "malformed" };
  const content = messageContent(message, maxMessageChars);
  if ("skip" in content) return { skip: content.skip, type: "chat" };
  const sentAt = asTimestamp(message.timestamp, receivedAt) ?? receivedAt;
  return {
    message: {
      channelKind: "whatsapp_web",
      platformAccountId: channel.platformAccountId,
      platformMessageId: id,
      // The chat id: replies go back to it (for a group, the group).
      senderId: from,
      kind: content.kind,
      text: content.text,
      sentAt,
    },
  };
}

/**
 * A message the account itself wrote (`message_create` with fromMe) -> the owner's message in a
 * one-to-one chat, or why it is not one. Whether it was the owner on the phone or this adapter's
 * own send is decided by the channel (it knows the ids it sent). Pure.
 */
export function mapWwebOwnerMessage(
  message: WwebMessage,
  channel: WwebChannelConfig,
  maxMessageChars: number,
  receivedAt: Date = new Date(),
): { owner: OwnerMessage } | WwebSkip {
  if (!message.fromMe) return { skip: "not_from_me" };
  const to = asId(message.to);
  if (message.isStatus || to === "status@broadcast") return { skip: "status" };
  if (!to) return { skip: "malformed" };
  if (to.endsWith("@broadcast") || to.endsWith("@newsletter")) return { skip: "broadcast" };
  // Groups are never paused by the owner: the agent does not answer them unless allowed, and then a group is shared.
  if (to.endsWith("@g.us")) return { skip: "group" };
  if (to === asId(message.from)) return { skip: "self_chat" };
  const id = asId(message.id?._serialized);
  if (!id) return { skip: "malformed" };
  const sentAt = asTimestamp(message.timestamp, receivedAt) ?? receivedAt;
  // The owner's word counts even when it is empty: it is stored as "other", and still pauses the agent.
  const content = messageContent(message, maxMessageChars);
  const { kind, text } = "skip" in content ? { kind: "other" as const, text: nonTextMessageText("other") } : content;
  return {
    owner: { channelKind: "whatsapp_web", platformAccountId: channel.platformAccountId, platformMessageId: id, recipientId: to, kind, text, sentAt },
  };
}

function messageContent(message: WwebMessage, maxMessageChars: number): { kind: MessageKind; text: string } | { skip: SkipReason } {
  const kind: MessageKind = message.type === "chat" ? "text" : kindOfPlatformType(WWEB_KINDS, message.type);
  // Media captions arrive in `body`; non-text messages are stored with their kind, answered politely.
  if (kind !== "text") return { kind, text: nonTextText(kind, CAPTIONED.has(kind) ? message.body : undefined, maxMessageChars) };
  const text = inboundText(message.body, maxMessageChars);
  if ("unusable" in text) return { skip: "malformed" };
  return "skip" in text ? text : { kind, text: text.text };
}

const WWEB_KINDS: Record<string, Exclude<MessageKind, "text">> = {
  image: "image",
  ptt: "voice",
  audio: "audio",
  video: "video",
  sticker: "sticker",
  location: "location",
  document: "document",
  vcard: "contact",
  multi_vcard: "contact",
};
// Only these carry a caption in `body` (for a location, `body` is a thumbnail image).
const CAPTIONED: ReadonlySet<MessageKind> = new Set(["image", "video", "document"]);
