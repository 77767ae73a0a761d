import type { WwebChat, WwebClient, WwebEvents, WwebMessage } from "../../src/adapters/channels/whatsapp-web/wweb-client.js";

/** A whatsapp-web.js stand-in with the library's event names and message shapes; records what it is asked to do. */
export class FakeWwebClient implements WwebClient {
  /** "initialize", "destroy", "typing:<chat>", "send:<chat>", "clear:<chat>", in order. */
  readonly calls: string[] = [];
  /** What reached the customer's phone. */
  readonly sent: Array<{ chatId: string; text: string }> = [];
  /** Chats marked read (sendSeen), in order. */
  readonly seen: string[] = [];
  /**
   * How the next sendMessage calls fail: `delivered` says whether the message reached the phone
   * before the call failed (the page queued it, then the browser died).
   */
  readonly sendFailures: Array<{ readonly delivered: boolean }> = [];
  /** How many of the next initialize() calls fail (as when Chromium cannot start). */
  initializeFailures = 0;
  private readonly listeners = new Map<string, Array<(...args: never[]) => void>>();
  private counter = 0;

  on<K extends keyof WwebEvents>(event: K, listener: (...args: WwebEvents[K]) => void): void {
    const list = this.listeners.get(event) ?? [];
    list.push(listener as (...args: never[]) => void);
    this.listeners.set(event, list);
  }

  emit<K extends keyof WwebEvents>(event: K, ...args: WwebEvents[K]): void {
    for (const listener of this.listeners.get(event) ?? []) (listener as (...a: WwebEvents[K]) => void)(...args);
  }

  async initialize(): Promise<void> {
    this.calls.push("initialize");
    if (this.initializeFailures > 0) {
      this.initializeFailures--;
      throw new Error("Failed to launch the browser process!");
    }
  }

  async destroy(): Promise<void> {
    this.calls.push("destroy");
  }

  async logout(): Promise<void> {
    this.calls.push("logout");
  }

  async sendMessage(chatId: string, text: string) {
    this.calls.push(`send:${chatId}`);
    const failure = this.sendFailures.shift();
    if (failure && !failure.delivered) throw new Error("Protocol error (Runtime.callFunctionOn): Target closed.");
    this.sent.push({ chatId, text });
    if (failure) throw new Error("Protocol error (Runtime.callFunctionOn): Target closed.");
    const id = `3EB0${(++this.counter).toString(16).toUpperCase().padStart(16, "0")}`;
    const sent = { id: { fromMe: true, remote: chatId, id, _serialized: `true_${chatId}_${id}` } };
    // Like the library: the page reports the new message (message_create) before sendMessage resolves.
    this.emit("message_create", {
      ...wwebMessage({ key: id, fromMe: true, from: OWN_NUMBER, to: chatId, body: text }),
      id: sent.id,
      timestamp: Math.floor(Date.now() / 1000),
    });
    await Promise.resolve();
    return sent;
  }

  async getChatById(chatId: string): Promise<WwebChat> {
    return {
      sendSeen: async () => this.seen.push(chatId),
      sendStateTyping: async () => this.calls.push(`typing:${chatId}`),
      clearState: async () => this.calls.push(`clear:${chatId}`),
    };
  }
}

/** The business's own WhatsApp number in these fakes. */
export const OWN_NUMBER = "15557654321@c.us";

let seq = 0;

/** What the owner typed on the business phone to a customer's chat, as message_create delivers it. */
export function ownerMessage(overrides: Partial<WwebMessage> & { key?: string } = {}): WwebMessage {
  const { key, ...rest } = overrides;
  const to = rest.to ?? "15551234567@c.us";
  const idPart = key ?? `3EB0A1B2C3D4E5F6${(++seq).toString(16).toUpperCase().padStart(4, "0")}`;
  const id = { fromMe: true, remote: to, id: idPart, _serialized: `true_${to}_${idPart}` };
  return { ...wwebMessage({ body: "Hi, this is Maria from the shop, I'll take it from here.", ...rest, fromMe: true, from: OWN_NUMBER, to }), id };
}

/** A received message as whatsapp-web.js delivers it (a private text chat unless overridden). */
export function wwebMessage(overrides: Partial<WwebMessage> & { key?: string } = {}): WwebMessage {
  const { key, ...rest } = overrides;
  const from = rest.from ?? "15551234567@c.us";
  const idPart = key ?? `3EB0C767D26A3D7F${(++seq).toString(16).toUpperCase().padStart(4, "0")}`;
  const id = { fromMe: rest.fromMe ?? false, remote: from, id: idPart, _serialized: `${rest.fromMe ? "true" : "false"}_${from}_${idPart}` };
  return {
    id,
    from,
    to: OWN_NUMBER,
    fromMe: false,
    body: "Hello, are you open today?",
    type: "chat",
    isStatus: false,
    timestamp: 1749416383,
    ...rest,
  };
}
