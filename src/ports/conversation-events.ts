/** Something changed in a conversation (a message stored, answered, sent, skipped...): ids only. */
export interface ConversationEvent {
  readonly businessId: string;
  readonly conversationId: string;
}

/** Tells the admin console of a business that a conversation changed, across processes. */
export interface ConversationEvents {
  /** Best effort, never throws: a lost event only delays the console until its next poll. */
  publish(event: ConversationEvent): void;
  subscribe(businessId: string, onEvent: (event: ConversationEvent) => void): Promise<() => Promise<void>>;
}
