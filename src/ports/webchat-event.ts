/** A message posted by the chat page or the terminal chat, already shape-checked by the route. */
export interface WebchatEvent {
  readonly channelKey: string;
  readonly sessionId: string;
  readonly clientMessageId: string;
  readonly text: string;
  readonly name?: string | undefined;
  /** A pseudonym of the channel and the visitor's address (never the address itself). */
  readonly senderKey?: string | undefined;
}
