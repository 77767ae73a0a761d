/**
 * What this adapter needs from a whatsapp-web.js Client: the library's event names and message
 * shapes, nothing more. The real Client is wrapped by createWwebClient; tests use a fake.
 */

export interface WwebMessage {
  /** `_serialized` is the stable message id, e.g. `false_15551234567@c.us_3EB0C767D26A3D7F5F2A`. */
  readonly id: { readonly _serialized: string };
  /** Chat the message came from: `...@c.us` / `...@lid` (person), `...@g.us` (group), `status@broadcast`. */
  readonly from: string;
  readonly to: string;
  readonly fromMe: boolean;
  readonly body: string;
  /** 'chat' for text; 'image', 'ptt', 'audio', 'sticker', 'location', 'video', 'document', ... */
  readonly type: string;
  readonly isStatus: boolean;
  /** In groups: the participant who wrote. */
  readonly author?: string | undefined;
  /** Unix seconds. */
  readonly timestamp: number;
}

export interface WwebChat {
  /** Marks the chat read (blue ticks on the customer's messages). */
  sendSeen(): Promise<unknown>;
  sendStateTyping(): Promise<unknown>;
  clearState(): Promise<unknown>;
}

export interface WwebEvents {
  qr: [qr: string];
  authenticated: [];
  auth_failure: [message: string];
  ready: [];
  /** Reason: a WAState (e.g. CONFLICT, UNPAIRED, TIMEOUT), "LOGOUT", or "Max qrcode retries reached". */
  disconnected: [reason: string];
  message: [message: WwebMessage];
  /** Every new message, the account's own included (sent from the phone, or by sendMessage: often before it resolves). */
  message_create: [message: WwebMessage];
}

export interface WwebClient {
  on<K extends keyof WwebEvents>(event: K, listener: (...args: WwebEvents[K]) => void): void;
  initialize(): Promise<void>;
  destroy(): Promise<void>;
  /** Unlinks this device from the phone (WhatsApp > Linked devices) and forgets the stored session. */
  logout(): Promise<void>;
  /** Sends without marking the chat read (the library's default sendSeen is off); undefined when the page sent nothing it reports. */
  sendMessage(chatId: string, text: string): Promise<{ readonly id: { readonly _serialized: string } } | undefined>;
  getChatById(chatId: string): Promise<WwebChat | undefined>;
}
