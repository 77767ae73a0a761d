export interface ReplyEvent {
  readonly conversationId: string;
  readonly messageId: string;
}

/** Tells gateways that a conversation has a new message to show (used by the web chat). */
export interface ReplyBus {
  publish(event: ReplyEvent): Promise<void>;
  subscribe(conversationId: string, onEvent: (event: ReplyEvent) => void): Promise<() => Promise<void>>;
}
