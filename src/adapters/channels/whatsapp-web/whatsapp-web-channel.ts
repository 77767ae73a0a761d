import { setTimeout as sleep } from "node:timers/promises";
import { UnavailableError } from "../../../domain/errors.js";
import type { InboundMessage } from "../../../domain/inbound-message.js";
import type { OwnerMessage } from "../../../domain/owner-message.js";
import { PartialSendError, PlatformRejectedError, PlatformTransportError, SendOutcomeUnknownError } from "../../../ports/channel-adapter.js";
import type { Logger } from "../../../ports/logger.js";
import { logRef } from "../meta/log-ref.js";
import { splitMessage, WHATSAPP_TEXT_LIMIT } from "../meta/split-message.js";
import type { WwebChat, WwebClient, WwebMessage } from "./wweb-client.js";
import { WwebConnection, type PairingState } from "./wweb-connection.js";
import { mapWwebMessage, mapWwebOwnerMessage, type WwebChannelConfig } from "./wweb-message-mapper.js";

export interface WhatsappWebChannelOptions {
  readonly client: WwebClient;
  readonly channel: WwebChannelConfig;
  /** Where customer messages go: acceptInbound. */
  readonly accept: (message: InboundMessage) => Promise<unknown>;
  /** Where the owner's own messages from the business phone go (acceptOwnerMessage); ignored when unset. */
  readonly acceptOwner?: (message: OwnerMessage) => Promise<unknown>;
  readonly logger: Logger;
  readonly print?: (text: string) => void;
  /** Every connection state change, to store for the admin (see WwebConnection). */
  readonly onState?: (state: PairingState) => void;
  readonly maxMessageChars?: number;
  readonly textLimit?: number;
  /** Least time between two messages to the same chat. */
  readonly minReplyIntervalMs?: number;
  /** How long "typing…" shows before a message goes out. */
  readonly typingDelayMs?: (text: string) => number;
  /** Tries to store a message while the database or queue is down (whatsapp-web.js does not redeliver). */
  readonly acceptAttempts?: number;
  readonly reconnectBaseDelayMs?: number;
  readonly reconnectMaxDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

// The message_create of a send arrives within seconds of it; this many ids cover any burst.
const SENT_IDS_KEPT = 2000;

/** The chat never wrote to this channel: we do not start conversations. */
export class RecipientNeverWroteError extends PlatformRejectedError {
  constructor() {
    super("this chat has not written to the channel; replies go only to chats that wrote first");
    this.name = "RecipientNeverWroteError";
  }
}

/**
 * One WhatsApp number through whatsapp-web.js: its connection, its incoming messages (handed to
 * `accept` in order) and its replies (typing indicator, paced per chat, split, chats that wrote first).
 */
export class WhatsappWebChannel {
  readonly connection: WwebConnection;
  private readonly log: Logger;
  private readonly knownChats = new Set<string>();
  private readonly lastSentAt = new Map<string, number>();
  private readonly sending = new Map<string, Promise<unknown>>();
  private inbound: Promise<void> = Promise.resolve();
  /** Own messages wait here, apart from customers', since one may wait for a send to finish. */
  private own: Promise<void> = Promise.resolve();
  /** Ids of messages this channel sent (newest last, bounded): their `message_create` is not the owner. */
  private readonly sentIds = new Set<string>();
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly o: WhatsappWebChannelOptions) {
    this.log = o.logger.child({ component: "whatsapp-web", channelId: o.channel.id });
    this.sleep = o.sleep ?? ((ms) => sleep(ms, undefined, { ref: false }));
    this.now = o.now ?? Date.now;
    this.connection = new WwebConnection(o.client, {
      logger: this.log,
      print: o.print ?? (() => undefined),
      sleep: this.sleep,
      ...(o.onState ? { onState: o.onState } : {}),
      ...(o.reconnectBaseDelayMs !== undefined ? { reconnectBaseDelayMs: o.reconnectBaseDelayMs } : {}),
      ...(o.reconnectMaxDelayMs !== undefined ? { reconnectMaxDelayMs: o.reconnectMaxDelayMs } : {}),
    });
    o.client.on("message", (message) => {
      this.inbound = this.inbound.then(() => this.receive(message));
    });
    o.client.on("message_create", (message) => {
      if (!message.fromMe) return; // customers' messages come through "message" as well
      this.own = this.own.then(() => this.receiveOwn(message));
    });
  }

  get channel(): WwebChannelConfig {
    return this.o.channel;
  }

  start(): void {
    this.connection.start();
  }

  pairingState(): PairingState {
    return this.connection.pairingState();
  }

  /** Resolves when received messages are handed over and no reconnection is running. */
  async idle(): Promise<void> {
    await this.inbound;
    await this.own;
    await this.connection.settled();
  }

  toInbound(message: WwebMessage): InboundMessage[] {
    const mapped = mapWwebMessage(message, this.o.channel, this.o.maxMessageChars ?? 4000);
    return "message" in mapped ? [mapped.message] : [];
  }

  /** Marks the chat read (blue ticks on the customer's messages). */
  async markSeen(chatId: string): Promise<void> {
    if (!this.connection.ready) throw new PlatformTransportError(`WhatsApp Web is not connected (${this.pairingState().state})`);
    const chat = await this.o.client.getChatById(chatId);
    if (!chat) throw new PlatformRejectedError("WhatsApp Web has no such chat");
    await chat.sendSeen();
  }

  /**
   * Sends a reply to a chat; returns the ids of the messages sent (one per part). `partsSent`
   * parts (an earlier attempt's) are skipped. A failed sendMessage is an unknown outcome: the page
   * may have queued the message before failing.
   */
  async sendText(chatId: string, text: string, options: { wroteBefore?: boolean; partsSent?: number } = {}): Promise<string[]> {
    if (!this.connection.ready) throw new PlatformTransportError(`WhatsApp Web is not connected (${this.pairingState().state})`);
    if (!this.knownChats.has(chatId) && !options.wroteBefore) throw new RecipientNeverWroteError();
    const parts = splitMessage(text, this.o.textLimit ?? WHATSAPP_TEXT_LIMIT);
    if (parts.length === 0) throw new PlatformRejectedError("the reply is empty");
    const startAt = Math.min(options.partsSent ?? 0, parts.length);
    // One reply at a time per chat, so pacing holds across concurrent deliveries.
    const run = (this.sending.get(chatId) ?? Promise.resolve()).catch(() => undefined).then(() => this.sendParts(chatId, parts, startAt));
    this.sending.set(chatId, run);
    try {
      return await run;
    } finally {
      if (this.sending.get(chatId) === run) this.sending.delete(chatId);
    }
  }

  async stop(): Promise<void> {
    await this.connection.stop();
  }

  /** The channel was removed: log the phone's linked device out, then stop. */
  async unlink(): Promise<void> {
    await this.connection.unlink();
  }

  private async sendParts(chatId: string, parts: readonly string[], startAt: number): Promise<string[]> {
    const ids: string[] = [];
    const chat = await this.o.client.getChatById(chatId).catch(() => undefined);
    for (let index = startAt; index < parts.length; index++) {
      try {
        const id = await this.sendPart(chatId, chat, parts[index]!);
        ids.push(id);
      } catch (error) {
        await chat?.clearState().catch(() => undefined);
        if (index === startAt) throw error;
        throw new PartialSendError(index, ids, error as Error);
      }
    }
    await chat?.clearState().catch(() => undefined);
    return ids;
  }

  private async sendPart(chatId: string, chat: WwebChat | undefined, part: string): Promise<string> {
    const wait = (this.lastSentAt.get(chatId) ?? -Infinity) + (this.o.minReplyIntervalMs ?? 1500) - this.now();
    if (wait > 0) await this.sleep(wait);
    // Checked before each part: a session that dropped meanwhile has provably not sent this one.
    if (!this.connection.ready) throw new PlatformTransportError(`WhatsApp Web is not connected (${this.pairingState().state})`);
    await chat?.sendStateTyping().catch(() => undefined);
    await this.sleep(this.o.typingDelayMs?.(part) ?? Math.min(3000, 300 + part.length * 15));
    let sent: { readonly id: { readonly _serialized: string } } | undefined;
    try {
      sent = await this.o.client.sendMessage(chatId, part);
    } catch (error) {
      throw new SendOutcomeUnknownError(`WhatsApp Web send interrupted: ${(error as Error)?.name ?? "Error"}`, { cause: error });
    }
    if (!sent) throw new SendOutcomeUnknownError("WhatsApp Web returned no message for the send");
    this.lastSentAt.set(chatId, this.now());
    this.rememberSent(sent.id._serialized);
    return sent.id._serialized;
  }

  private async receive(message: WwebMessage): Promise<void> {
    const mapped = mapWwebMessage(message, this.o.channel, this.o.maxMessageChars ?? 4000);
    if ("skip" in mapped) {
      this.log.debug({ reason: mapped.skip, type: mapped.type }, "whatsapp web message ignored");
      return;
    }
    this.knownChats.add(mapped.message.senderId);
    await this.handOver(mapped.message.platformMessageId, () => this.o.accept(mapped.message));
  }

  private async receiveOwn(message: WwebMessage): Promise<void> {
    const acceptOwner = this.o.acceptOwner;
    if (!acceptOwner) return;
    const mapped = mapWwebOwnerMessage(message, this.o.channel, this.o.maxMessageChars ?? 4000);
    if ("skip" in mapped) {
      this.log.debug({ reason: mapped.skip }, "whatsapp web own message ignored");
      return;
    }
    if (await this.sentByUs(mapped.owner.recipientId, mapped.owner.platformMessageId)) return;
    await this.handOver(mapped.owner.platformMessageId, () => acceptOwner(mapped.owner));
  }

  /**
   * Whether this channel sent the message. whatsapp-web.js emits `message_create` for our own
   * sends, often before sendMessage resolves with the id: then wait for the chat's sends to finish.
   */
  private async sentByUs(chatId: string, messageId: string): Promise<boolean> {
    if (this.sentIds.has(messageId)) return true;
    const running = this.sending.get(chatId);
    if (!running) return false;
    await running.catch(() => undefined);
    return this.sentIds.has(messageId);
  }

  private rememberSent(messageId: string): void {
    this.sentIds.add(messageId);
    if (this.sentIds.size > SENT_IDS_KEPT) this.sentIds.delete(this.sentIds.values().next().value as string);
  }

  private async handOver(platformMessageId: string, store: () => Promise<unknown>): Promise<void> {
    const attempts = this.o.acceptAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        await store();
        return;
      } catch (error) {
        if (error instanceof UnavailableError && attempt < attempts) {
          await this.sleep(1000 * 2 ** (attempt - 1));
          continue;
        }
        this.log.error({ err: error, messageRef: logRef(platformMessageId), attempt }, "whatsapp web message could not be stored");
        return;
      }
    }
  }
}
