import type { ChannelKind } from "../domain/inbound-message.js";
import type { OwnerMessage } from "../domain/owner-message.js";
import type { ChannelRef } from "./inbound-store.js";

export interface StoredOwnerMessage {
  readonly messageId: string;
  readonly conversationId: string;
  readonly businessId: string;
  /** This platform message id was stored already (a redelivery, or one of our own replies): nothing changed. */
  readonly duplicate: boolean;
  /** Customer messages it answered (they were waiting for a reply when the owner wrote). */
  readonly answeredCount: number;
  /** False when a person or the guardrails paused the agent without an end: that pause stays. */
  readonly paused: boolean;
}

/** Storage for the owner's own messages from the business phone. */
export interface OwnerMessageStore {
  findChannel(kind: ChannelKind, platformAccountId: string): Promise<ChannelRef | null>;
  /** How long the agent stays quiet in a conversation after the owner wrote there (the business's setting). */
  ownerQuietMs(businessId: string): Promise<number>;
  /**
   * One transaction: the message stored as outbound (sent) once per platform id, the customer's
   * messages still unanswered before it marked answered by it, and the agent paused in the
   * conversation until `pausedUntil` (an earlier owner pause is extended).
   */
  storeOwnerMessage(channel: ChannelRef, message: OwnerMessage, pausedUntil: Date): Promise<StoredOwnerMessage>;
}
