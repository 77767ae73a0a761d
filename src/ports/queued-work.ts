/** Our ids of a contact's conversations, the messages a turn job may be queued for, and its outbox entries. */
export interface WorkIds {
  readonly conversationIds: readonly string[];
  readonly messageIds: readonly string[];
  readonly outboxIds: readonly string[];
}

export interface RemovedWork {
  /** Jobs deleted from the queues (waiting, delayed, finished or failed). */
  readonly removedJobs: number;
  /** Jobs a worker is running right now: they cannot be removed and find nothing to do once the rows are gone. */
  readonly runningJobs: number;
}

/**
 * Work the queue holds for conversations, found by our ids (job payloads carry ids only): turn
 * jobs of the messages, reply-retry jobs of the outbox entries, and the conversations' locks; the
 * workers are told to forget the conversations' model state. Used to erase a contact.
 */
export interface QueuedWork {
  removeWork(ids: WorkIds): Promise<RemovedWork>;
}
