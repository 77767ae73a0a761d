import type { OutboundDelivery } from "./channel-adapter.js";

export interface ClaimedDelivery extends OutboundDelivery {
  readonly outboxId: string;
  readonly attempt: number;
  readonly businessId: string;
}

/** The outbox: each entry is sent at most once by whoever claims it. */
export interface OutboxStore {
  /** Moves a pending entry to sending and returns what to send; null if it is not pending. */
  claim(outboxId: string): Promise<ClaimedDelivery | null>;
  markSent(outboxId: string, platformMessageIds: readonly string[]): Promise<void>;
  /** Back to pending, to be retried. */
  release(outboxId: string, error: string): Promise<void>;
  markFailed(outboxId: string, error: string): Promise<void>;
}
