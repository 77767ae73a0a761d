/** A request to answer a conversation; ids only, never message text. */
export interface TurnJob {
  readonly conversationId: string;
  readonly messageId: string;
  readonly businessId: string;
}

export interface TurnQueue {
  /** Idempotent per message id: enqueueing the same message twice creates one job. */
  enqueueTurn(job: TurnJob): Promise<void>;
}
