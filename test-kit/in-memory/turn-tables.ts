import { randomUUID } from "node:crypto";
import type { ChannelKind, MessageKind } from "../../src/domain/inbound-message.js";
import type { Persona } from "../../src/domain/personas/persona-schema.js";

// The rows the storage ports share, as PostgreSQL holds them for one business: what the in-memory
// TurnStore and OutboxStore read and write, like the real ones share the database.

export interface ChannelRow {
  readonly id: string;
  readonly kind: ChannelKind;
  readonly platformAccountId: string;
  readonly enabled: boolean;
  /** Where the channel's sealed platform credentials are kept (Meta channels). */
  readonly credentialsRef: string | null;
}

export interface ConversationRow {
  readonly id: string;
  readonly channelId: string;
  /** The customer's platform id. */
  readonly recipientId: string;
  agentPaused: boolean;
  pausedBy: string | null;
  pausedUntil: Date | null;
  historyStartSeq: bigint;
  awaySentAt: Date | null;
  waitingUntil: Date | null;
}

export interface MessageRow {
  readonly id: string;
  readonly seq: bigint;
  readonly conversationId: string;
  readonly channelId: string;
  readonly direction: "inbound" | "outbound";
  readonly kind: string;
  readonly text: string;
  readonly createdAt: Date;
  readonly senderKey: string | null;
  status: string;
  replyId: string | null;
  platformMessageId: string | null;
  error: string | null;
}

export interface OutboxRow {
  readonly id: string;
  readonly messageId: string;
  status: "pending" | "sending" | "sent" | "failed";
  attempts: number;
  partsSent: number;
  platformMessageIds: string[];
  readMarked: boolean;
  lastError: string | null;
}

export interface HandoffRow {
  readonly id: string;
  readonly conversationId: string;
  readonly reason: string;
  readonly notify: string;
  status: "pending" | "notified" | "failed";
  readonly noticeMessageId: string | null;
  error: string | null;
}

export interface BusinessRow {
  readonly id: string;
  timezone: string;
  openingHours: unknown;
  outsideHours: "answer" | "away";
  awayMessage: string | null;
  /** As stored (any JSON): read with the same defaults as the database's. */
  settings: unknown;
  /** The active persona version, as stored (settings and voice). */
  persona: { readonly versionId: string; readonly version: number; readonly settings: unknown; readonly voice: string | null };
}

export const OWNER_NOTICE_KIND = "owner-notice";

/** One business's tables. Seed with addChannel and receive (what ingest stores). */
export class TurnTables {
  readonly business: BusinessRow;
  readonly channels = new Map<string, ChannelRow>();
  readonly conversations = new Map<string, ConversationRow>();
  readonly messages = new Map<string, MessageRow>();
  readonly outbox = new Map<string, OutboxRow>();
  readonly handoffs = new Map<string, HandoffRow>();
  private lastSeq = 0n;

  constructor(persona: Persona, settings: unknown = {}) {
    this.business = {
      id: randomUUID(),
      timezone: "UTC",
      openingHours: null,
      outsideHours: "answer",
      awayMessage: null,
      settings,
      persona: { versionId: randomUUID(), version: 1, settings: persona.settings, voice: persona.voice },
    };
  }

  nextSeq(): bigint {
    return ++this.lastSeq;
  }

  addChannel(kind: ChannelKind, options: { platformAccountId?: string; credentialsRef?: string } = {}): ChannelRow {
    const channel = {
      id: randomUUID(),
      kind,
      platformAccountId: options.platformAccountId ?? randomUUID(),
      enabled: true,
      credentialsRef: options.credentialsRef ?? null,
    };
    this.channels.set(channel.id, channel);
    return channel;
  }

  /** The conversation of a contact on a channel, created on its first message. */
  conversationOf(channelId: string, recipientId: string, paused = false): ConversationRow {
    for (const c of this.conversations.values()) if (c.channelId === channelId && c.recipientId === recipientId) return c;
    const conversation: ConversationRow = {
      id: randomUUID(),
      channelId,
      recipientId,
      agentPaused: paused,
      pausedBy: paused ? "admin" : null,
      pausedUntil: null,
      historyStartSeq: 0n,
      awaySentAt: null,
      waitingUntil: null,
    };
    this.conversations.set(conversation.id, conversation);
    return conversation;
  }

  /** Stores a customer's message as ingest does (status "received"). */
  receive(
    channelId: string,
    message: { senderId: string; text: string; kind?: MessageKind; platformMessageId?: string; senderKey?: string; createdAt?: Date },
  ): { conversationId: string; messageId: string } {
    const conversation = this.conversationOf(channelId, message.senderId);
    const row = this.addMessage({
      conversationId: conversation.id,
      channelId,
      direction: "inbound",
      kind: message.kind ?? "text",
      text: message.text,
      status: "received",
      platformMessageId: message.platformMessageId ?? randomUUID(),
      senderKey: message.senderKey ?? null,
      ...(message.createdAt ? { createdAt: message.createdAt } : {}),
    });
    return { conversationId: conversation.id, messageId: row.id };
  }

  addMessage(fields: {
    conversationId: string;
    channelId: string;
    direction: "inbound" | "outbound";
    kind: string;
    text: string;
    status: string;
    platformMessageId?: string | null;
    senderKey?: string | null;
    createdAt?: Date;
  }): MessageRow {
    const row: MessageRow = {
      id: randomUUID(),
      seq: this.nextSeq(),
      replyId: null,
      error: null,
      createdAt: new Date(),
      senderKey: null,
      platformMessageId: null,
      ...fields,
    };
    this.messages.set(row.id, row);
    return row;
  }

  addOutbox(messageId: string): OutboxRow {
    const row: OutboxRow = {
      id: randomUUID(),
      messageId,
      status: "pending",
      attempts: 0,
      partsSent: 0,
      platformMessageIds: [],
      readMarked: false,
      lastError: null,
    };
    this.outbox.set(row.id, row);
    return row;
  }

  messagesOf(conversationId: string): MessageRow[] {
    return [...this.messages.values()].filter((m) => m.conversationId === conversationId).sort((a, b) => (a.seq < b.seq ? -1 : 1));
  }
}
