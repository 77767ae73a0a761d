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
}
