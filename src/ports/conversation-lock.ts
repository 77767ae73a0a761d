export interface LockLease {
  /** Extends the lease; false if it was lost (another holder may now run). */
  extend(): Promise<boolean>;
  release(): Promise<void>;
}

/** At most one holder per conversation at a time, across processes and machines. */
export interface ConversationLock {
  tryAcquire(conversationId: string): Promise<LockLease | null>;
}
