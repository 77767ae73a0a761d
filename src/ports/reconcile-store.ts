/** Read side of the reconciler: what PostgreSQL says should be happening. */
export interface ReconcileStore {
  /** The newest unanswered inbound message of each conversation with one older than `olderThan` whose agent is not paused (or whose pause has ended) and that waits for no opening still ahead. */
  stalePending(olderThan: Date, limit: number): Promise<Array<{ messageId: string; conversationId: string; businessId: string }>>;
  /** Outbox entries still pending (never claimed) since before `olderThan`. */
  stalePendingOutbox(olderThan: Date, limit: number): Promise<string[]>;
  /** Entries claimed for sending before `olderThan` and never confirmed: the send's outcome is unknown. */
  staleSending(olderThan: Date, limit: number): Promise<Array<{ outboxId: string; channelKind: string }>>;
  /** Puts an entry whose send can safely be repeated back to pending. */
  requeueSending(outboxId: string): Promise<void>;
  /** Records a send the platform took but the worker could not record (see UnrecordedSends); false: the entry was erased. */
  recordSent(outboxId: string, platformMessageIds: readonly string[]): Promise<boolean>;
  /** Gives up on an entry whose send may or may not have happened (never sent twice). */
  failUnknownOutcome(outboxId: string): Promise<void>;
}
