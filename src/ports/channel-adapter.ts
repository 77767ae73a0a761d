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
  /** Parts of the split text that an earlier attempt already sent: this send starts after them. */
  readonly partsSent?: number;
}

export interface SendResult {
  /** The platform's id(s) for what was sent by this call, when it returns one. */
  readonly platformMessageIds: readonly string[];
}

/**
 * One per platform. Inbound: a platform event becomes zero or more normalised messages
 * (events that are not customer messages, like echoes or receipts, map to none).
 * Outbound: a stored reply is sent to the platform.
 *
 * A send fails with one of the errors below, so the outbox knows whether it may send again:
 * rejected (never), transport (the platform provably did not take it: later), outcome unknown
 * (it may have reached the customer: only where a repeat is invisible), or partial (some parts
 * of a split reply went out before one of the others).
 */
export interface ChannelAdapter<Event = unknown> {
  readonly kind: ChannelKind;
  toInbound(event: Event): InboundMessage[];
  send(delivery: OutboundDelivery): Promise<SendResult>;
  /**
   * Marks the customer's message (`inboundPlatformMessageId`) read, on platforms that show it;
   * rejects when that did not happen. The outbox calls it once per reply, before sending.
   */
  markRead?(delivery: OutboundDelivery): Promise<void>;
}

/** The platform refused the message: resending the same thing will not help. */
export class PlatformRejectedError extends Error {
  readonly code = "PLATFORM_REJECTED";
}

/**
 * The platform provably did not take the message (unreachable before the request was written,
 * throttled, or it said it did not process it): safe to send again later.
 */
export class PlatformTransportError extends Error {
  readonly code = "PLATFORM_TRANSPORT";
  /** How long the platform asked us to wait before sending again (a throttled send), when it said. */
  readonly retryAfterMs?: number;

  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, options);
    if (options?.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * The request may have reached the platform, but no answer says whether it took the message (a
 * timeout or dropped connection after the request was written, a 5xx). Sending again could
 * reach the customer twice.
 */
export class SendOutcomeUnknownError extends Error {
  readonly code = "UNKNOWN_OUTCOME";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A reply split into parts stopped part-way: `partsSent` parts (in total) reached the platform. */
export class PartialSendError extends Error {
  readonly code = "PARTIAL_SEND";

  constructor(
    readonly partsSent: number,
    /** Ids of the parts sent by this call. */
    readonly platformMessageIds: readonly string[],
    /** Why the next part did not (or may not) go out: one of the errors above. */
    override readonly cause: Error,
  ) {
    super(`sent ${partsSent} part(s), then ${cause.name}: ${cause.message}`, { cause });
    this.name = "PartialSendError";
  }
}
