import type { ChannelKind, InboundMessage } from "../domain/inbound-message.js";

export interface ChannelRef {
  readonly id: string;
  readonly businessId: string;
  readonly kind: ChannelKind;
  readonly platformAccountId: string;
  readonly enabled: boolean;
}

export interface StoredInbound {
  readonly messageId: string;
  readonly conversationId: string;
  readonly businessId: string;
  /** True when this platform message id was already stored: nothing new was written. */
  readonly duplicate: boolean;
  /** True when a reply already covers it, so no turn is needed. */
  readonly answered: boolean;
}

/** Gateway side of storage: find the channel and store each inbound message exactly once. */
export interface InboundStore {
  findChannel(kind: ChannelKind, platformAccountId: string): Promise<ChannelRef | null>;
  storeInbound(channel: ChannelRef, message: InboundMessage): Promise<StoredInbound>;
}

/**
 * Per message of a batch: stored (new or already there), no active channel, or not settled by the
 * statement (it raced with a concurrent writer of the same contact or message; store it alone).
 */
export type BatchStoreResult =
  | { readonly outcome: "stored"; readonly stored: StoredInbound }
  | { readonly outcome: "noChannel" }
  | { readonly outcome: "unsettled" };
