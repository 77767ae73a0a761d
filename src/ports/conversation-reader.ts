export interface ConversationMessage {
  readonly id: string;
  readonly seq: number;
  readonly direction: "inbound" | "outbound";
  readonly text: string;
  readonly status: string;
  readonly createdAt: Date;
}

/** Read side for the web chat: one contact's conversation on one channel. */
export interface ConversationReader {
  findConversationId(channelId: string, platformUserId: string): Promise<string | null>;
  listMessages(conversationId: string, afterSeq: number, limit: number): Promise<ConversationMessage[]>;
  /**
   * Messages from one web chat sender key on a channel still waiting for an answer (in the last
   * `withinMs`, in conversations the agent answers), counted up to `atMost`.
   */
  pendingFromSender(channelId: string, senderKey: string, withinMs: number, atMost: number): Promise<number>;
}
