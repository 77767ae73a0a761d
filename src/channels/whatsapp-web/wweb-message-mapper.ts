import { nonTextMessageText, type InboundMessage, type MessageKind } from "../../domain/inbound-message.js";
import { asId, asTimestamp } from "../meta/json-fields.js";
import { inboundText, safeType, type SkipReason } from "../meta/webhook-batch.js";
import type { WwebMessage } from "./wweb-client.js";

export interface WwebChannelConfig {
  readonly id: string;
  /** Channel.platformAccountId of this whatsapp_web channel. */
  readonly platformAccountId: string;
  /** Answer group chats too (off by default: a bot in a group is rarely welcome). */
  readonly allowGroups?: boolean;
}

export type WwebSkip = { readonly skip: SkipReason | "from_me" | "status" | "group" | "broadcast"; readonly type?: string };

/** One whatsapp-web.js message -> our message, or why it is not one. Pure. */
export function mapWwebMessage(message: WwebMessage, channel: WwebChannelConfig, maxMessageChars: number): { message: InboundMessage } | WwebSkip {
  if (message.fromMe) return { skip: "from_me" };
  const from = asId(message.from);
  if (message.isStatus || from === "status@broadcast") return { skip: "status" };
  if (!from) return { skip: "malformed" };
  if (from.endsWith("@broadcast") || from.endsWith("@newsletter")) return { skip: "broadcast" };
  if (from.endsWith("@g.us") && !channel.allowGroups) return { skip: "group" };
  const id = asId(message.id?._serialized);
  const sentAt = asTimestamp(message.timestamp, "s");
  if (!id || !sentAt) return { skip: "malformed" };
  const kind: MessageKind = message.type === "chat" ? "text" : (WWEB_KINDS[message.type ?? ""] ?? "other");
  // Media captions arrive in `body`; non-text messages are stored with their kind, answered politely.
  const text = kind === "text" ? inboundText(message.body, maxMessageChars) : { text: nonTextMessageText(kind, CAPTIONED.has(kind) && typeof message.body === "string" ? message.body : undefined).slice(0, maxMessageChars) };
  if ("skip" in text) return { skip: text.skip, type: "chat" };
  return {
    message: {
      channelKind: "whatsapp_web",
      platformAccountId: channel.platformAccountId,
      platformMessageId: id,
      // The chat id: replies go back to it (for a group, the group).
      senderId: from,
      kind,
      text: text.text,
      sentAt,
    },
  };
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
