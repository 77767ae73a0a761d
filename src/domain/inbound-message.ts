export type ChannelKind = "webchat" | "whatsapp_web" | "whatsapp_cloud" | "instagram";

/** What a customer sent. Anything but text is stored with its kind and a short placeholder text. */
export type MessageKind = "text" | "image" | "voice" | "audio" | "video" | "sticker" | "location" | "document" | "contact" | "other";

/**
 * A platform's message type as our kind, "other" when the table has no entry of its own: a type
 * is sender-controlled, and a plain lookup of "__proto__" or "constructor" finds Object's members.
 */
export function kindOfPlatformType(
  table: Readonly<Record<string, Exclude<MessageKind, "text">>>,
  type: string | undefined,
): Exclude<MessageKind, "text"> {
  return type !== undefined && Object.hasOwn(table, type) ? table[type]! : "other";
}

const PLACEHOLDER: Record<Exclude<MessageKind, "text">, string> = {
  image: "[photo]",
  voice: "[voice note]",
  audio: "[audio]",
  video: "[video]",
  sticker: "[sticker]",
  location: "[location]",
  document: "[document]",
  contact: "[contact card]",
  other: "[attachment]",
};

/** The text stored (and shown to the model) for a non-text message: a placeholder plus its caption. */
export function nonTextMessageText(kind: Exclude<MessageKind, "text">, caption?: string): string {
  const trimmed = caption?.trim();
  return trimmed ? `${PLACEHOLDER[kind]} ${trimmed}` : PLACEHOLDER[kind];
}

/** One message from a customer, normalised from whatever the platform sent. */
export interface InboundMessage {
  readonly channelKind: ChannelKind;
  /** The business side's id on the platform (web chat key, phone_number_id, Instagram account id). */
  readonly platformAccountId: string;
  /** The platform's id for this message; redeliveries carry the same id. */
  readonly platformMessageId: string;
  /** The customer's id on the platform (phone number, IGSID, web chat session). Personal data. */
  readonly senderId: string;
  readonly senderName?: string;
  readonly kind: MessageKind;
  /** The message text; for other kinds a placeholder like "[photo]" and the caption, if any. */
  readonly text: string;
  readonly sentAt: Date;
  /**
   * Web chat: a pseudonym of the channel and the visitor's network address (never the address), so
   * limits count a sender across session ids. Absent on platforms whose sender id is the person.
   */
  readonly senderKey?: string;
}
