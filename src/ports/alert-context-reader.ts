export interface AlertContext {
  readonly businessName: string;
  readonly channelName: string;
  /** The customer's newest message, or null when there is none. */
  readonly customerText: string | null;
}

export interface AlertContextReader {
  load(businessId: string, conversationId: string): Promise<AlertContext | null>;
}
