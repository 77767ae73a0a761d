/** A request to answer a conversation; ids only, never message text. */
export interface TurnJob {
  readonly conversationId: string;
  readonly messageId: string;
  readonly businessId: string;
}

/** A turn to queue: the job, and who sent its message (web chat sender key), which orders it but is not stored in the job. */
export type TurnRequest = TurnJob & { readonly senderKey?: string | undefined };

export interface TurnQueue {
  /** Idempotent per message id: enqueueing the same message twice creates one job. */
  enqueueTurn(job: TurnRequest): Promise<void>;
}
