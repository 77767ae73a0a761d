import type { ChannelKind, InboundMessage } from "../domain/inbound-message.js";

/** What a worker needs to send a reply back where the customer wrote. */
export interface OutboundDelivery {
  readonly channel: {
    readonly id: string;
    readonly kind: ChannelKind;
    readonly platformAccountId: string;
    readonly credentialsRef: string | null;
  };
  readonly conversationId: string;
  /** The customer's platform id (personal data: never log it). */
  readonly recipientId: string;
  /** Our id of the reply; platforms that accept an idempotency key get this one. */
  readonly messageId: string;
  readonly text: string;
  /** Platform id of the newest customer message being answered (WhatsApp marks it read). */
  readonly inboundPlatformMessageId?: string;
  /** When the customer last wrote: platforms with a customer-service window (24 h) need it. */
  readonly lastInboundAt?: Date;
}

export interface SendResult {
  /** The platform's id(s) for what was sent, when it returns one. */
  readonly platformMessageIds: readonly string[];
}

/**
 * One per platform. Inbound: a platform event becomes zero or more normalised messages
 * (events that are not customer messages, like echoes or receipts, map to none).
 * Outbound: a stored reply is sent to the platform.
 */
export interface ChannelAdapter<Event = unknown> {
  readonly kind: ChannelKind;
  toInbound(event: Event): InboundMessage[];
  send(delivery: OutboundDelivery): Promise<SendResult>;
}

/** The platform refused the message: resending the same thing will not help. */
export class PlatformRejectedError extends Error {
  readonly code = "PLATFORM_REJECTED";
}

/** The platform could not be reached or failed temporarily: safe to retry. */
export class PlatformTransportError extends Error {
  readonly code = "PLATFORM_TRANSPORT";
}
