/** What the web chat page shows of the business it belongs to. */
export interface ChatProfile {
  readonly businessName: string;
  /** The agent's name from the live persona version; null when the channel has no usable persona. */
  readonly agentName: string | null;
  /** The persona's own line saying it is an AI (fan personas must have one). */
  readonly disclosure: string | null;
  readonly personaKind: "support" | "fan" | null;
  /** #rrggbb */
  readonly color: string | null;
  /** An https URL. */
  readonly logoUrl: string | null;
  /** Origins whose pages may embed the chat (the widget script). */
  readonly sites: readonly string[];
  /** False when the owner switched the channel off. */
  readonly open: boolean;
}

export interface ChatProfileReader {
  /** The web chat channel with this key, or null when there is none. */
  chatProfile(channelKey: string): Promise<ChatProfile | null>;
}
