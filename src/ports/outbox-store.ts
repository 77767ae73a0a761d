import type { OutboundDelivery } from "./channel-adapter.js";

export interface ClaimedDelivery extends OutboundDelivery {
  readonly outboxId: string;
  readonly attempt: number;
  readonly businessId: string;
  /** Ids of the parts earlier attempts sent (see OutboundDelivery.partsSent). */
  readonly sentPlatformMessageIds: readonly string[];
  /** An earlier attempt marked the customer's message read. */
  readonly readMarked: boolean;
}

/** How far a reply got before its send stopped: parts of a split reply sent, read receipt done. */
export interface SendProgress {
  readonly partsSent: number;
  readonly platformMessageIds: readonly string[];
  readonly readMarked: boolean;
}

export interface SentRecord {
  /** Ids the platform gave that another stored message already holds: kept on the outbox entry only. */
  readonly keptApart: readonly string[];
}

/** The outbox: each entry is sent at most once by whoever claims it. */
export interface OutboxStore {
  /**
   * Moves a pending entry to sending and returns what to send; null if it is not pending;
   * "waiting" while an earlier reply of its conversation is still to be sent (pending or sending),
   * so that replies reach the customer in order.
   */
  claim(outboxId: string): Promise<ClaimedDelivery | "waiting" | null>;
  /**
   * Records the platform's acceptance (idempotent; also over a failure the reconciler recorded
   * meanwhile). Undefined: the entry was erased, nothing left to record.
   */
  markSent(outboxId: string, platformMessageIds: readonly string[]): Promise<SentRecord | undefined>;
  /** Back to pending, to be retried (from `progress.partsSent` on). */
  release(outboxId: string, error: string, progress?: SendProgress): Promise<void>;
  markFailed(outboxId: string, error: string, progress?: SendProgress): Promise<void>;
}
