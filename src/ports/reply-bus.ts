export interface ReplyEvent {
  readonly conversationId: string;
  readonly messageId: string;
}

/** The agent started (true) or stopped (false) working on an answer: the web chat shows "typing…". */
export interface TypingEvent {
  readonly conversationId: string;
  readonly typing: boolean;
}

export type BusEvent = ReplyEvent | TypingEvent;

export const isTypingEvent = (event: BusEvent): event is TypingEvent => "typing" in event && typeof event.typing === "boolean";

/** Tells gateways that a conversation has a new message to show, or that an answer is being written (used by the web chat). */
export interface ReplyBus {
  publish(event: BusEvent): Promise<void>;
  subscribe(conversationId: string, onEvent: (event: BusEvent) => void): Promise<() => Promise<void>>;
  /** Whether an answer is being written now (for a stream opened after the typing event went out). */
  isTyping(conversationId: string): Promise<boolean>;
}
