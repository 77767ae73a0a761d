export type ChannelKind = "webchat" | "whatsapp_web" | "whatsapp_cloud" | "instagram";

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
  readonly kind: "text";
  readonly text: string;
  readonly sentAt: Date;
}
