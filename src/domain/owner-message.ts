import type { ChannelKind, MessageKind } from "./inbound-message.js";

/**
 * A message the business's owner wrote to a customer from the business's own phone (not through
 * us). It is stored in the conversation's transcript and pauses the agent there for a quiet time.
 */
export interface OwnerMessage {
  readonly channelKind: ChannelKind;
  readonly platformAccountId: string;
  /** The platform's id for this message; stored once per channel. */
  readonly platformMessageId: string;
  /** The customer's id on the platform: the chat the owner wrote in. Personal data. */
  readonly recipientId: string;
  readonly kind: MessageKind;
  readonly text: string;
  readonly sentAt: Date;
}
