import type { BusinessSettings } from "../domain/business-settings.js";
import type { ChannelKind } from "../domain/inbound-message.js";
import type { TurnPersona } from "../domain/personas/stored-persona.js";
import type { KnowledgeStamp } from "./knowledge-store.js";

export interface HistoryMessage {
  readonly id: string;
  readonly seq: bigint;
  readonly direction: "inbound" | "outbound";
  readonly text: string;
  readonly status: string;
  readonly createdAt: Date;
  readonly replyId: string | null;
  /** "text", or what else was sent ("image", "voice", ...), see MessageKind. */
  readonly kind: string;
}

export interface TurnContext {
  readonly conversationId: string;
  readonly businessId: string;
  readonly agentPaused: boolean;
  /** A pause with an end (the owner's quiet time): the agent answers again after it. Null: until resumed. */
  readonly pausedUntil?: Date | null;
  /** What the outside-hours decision needs; openingHours as stored (validated by the worker). */
  readonly business: {
    readonly timezone: string;
    readonly openingHours: unknown;
    readonly outsideHours: "answer" | "away";
    readonly awayMessage: string | null;
  };
  /** The business's settings as of this read (reply length, temperature, debounce, ...). */
  readonly settings: BusinessSettings;
  /** When this conversation last got the away message. */
  readonly awaySentAt: Date | null;
  /** A console Try it chat: "open" answers as if open; null for customers. */
  readonly tryIt?: "hours" | "open" | null;
  readonly channel: {
    readonly id: string;
    readonly kind: ChannelKind;
    readonly platformAccountId: string;
    readonly credentialsRef: string | null;
  };
  readonly recipientId: string;
  /** The persona version the turn runs with, validated as it was read; "invalid" turns never reach the model. */
  readonly persona: TurnPersona;
  /** What the guardrails need to know about the sender's activity. */
  readonly activity: {
    /** Inbound messages of this conversation in the last 24 hours, pending ones included. */
    readonly lastDay: number;
    /** Inbound messages of this conversation in the last minute, pending ones included. */
    readonly lastMinute: number;
    /** Whether no reply has gone out in this conversation yet. */
    readonly noReplyYet: boolean;
    /**
     * Web chat: inbound messages on this channel from the same network address (sender key) in the
     * last 24 hours and minute, across every session it used. Absent elsewhere.
     */
    readonly address?: { readonly lastDay: number; readonly lastMinute: number };
  };
  /** The business's knowledge entries as of this read (count, newest edit), read with the turn. */
  readonly knowledge?: KnowledgeStamp;
  /** Messages from the conversation's history start (answered and pending), in storage (seq) order. */
  readonly history: readonly HistoryMessage[];
  /** Inbound messages not yet answered, oldest first: this turn answers all of them. */
  readonly pendingIds: readonly string[];
}

export interface SaveReplyInput {
  readonly conversationId: string;
  readonly businessId: string;
  readonly channelId: string;
  readonly answeredIds: readonly string[];
  readonly text: string;
  /** Seq of the first message the model was given; only ever moves forward. */
  readonly historyStartSeq: bigint;
  readonly stats: TurnStats;
  /** Set on an away-message reply: recorded on the conversation in the same transaction. */
  readonly awaySentAt?: Date;
  /** The turn hands the conversation to a person: recorded, the agent paused, the owner told, all with the reply. */
  readonly handoff?: HandoffToRecord;
  /** The guardrails replaced the model's reply: what it said is kept for the admin, with the reply. */
  readonly flag?: { readonly reason: string; readonly modelText: string };
}

export interface HandoffToRecord {
  /** "handoff:refund", "safety:self-harm", ... */
  readonly reason: string;
  /** The persona's owner reference, "<channel>:<to>" or "admin:..." (see parseOwnerReference). */
  readonly notify: string;
  /** Why the agent is paused in the conversation (Conversation.pausedBy). */
  readonly pausedBy: "handoff" | "safety" | "persona_invalid";
  /** What the owner is sent when the reference names a channel. */
  readonly noticeText: string;
}

/** What a turn cost and when it ran; stored with the reply. */
export interface TurnStats {
  readonly worker: string;
  readonly promptTokens: number;
  readonly evaluatedTokens: number;
  readonly generatedTokens: number;
  readonly startedAt: Date;
  readonly generationStartedAt: Date;
  readonly generationEndedAt: Date;
}

export interface SavedReply {
  readonly replyId: string;
  readonly outboxId: string;
  /** The handoff recorded with the reply, and the outbox entry of the owner's notice when one was stored. */
  readonly handoff?: { readonly id: string; readonly status: "pending" | "notified" | "failed"; readonly noticeOutboxId?: string };
}

/** Worker side of storage. */
export interface TurnStore {
  loadTurn(conversationId: string): Promise<TurnContext | null>;
  /**
   * Stores the reply, its outbox entry and marks the answered messages in one transaction.
   * Returns null (and writes nothing) if any of them was answered meanwhile: the fence against
   * a second worker answering the same messages. Also null when the conversation was erased
   * meanwhile: there is nothing left to answer.
   */
  saveReply(input: SaveReplyInput): Promise<SavedReply | null>;
  markInboundFailed(messageIds: readonly string[], reason: string): Promise<void>;
  /** Marks messages that get no answer at all (over a daily cap, the rest of a flood). */
  skipInbound(messageIds: readonly string[], reason: string): Promise<void>;
  /** Leaves the pending messages for a person until `until` (the next opening): the reconciler passes them by till then. */
  waitForOpening(conversationId: string, until: Date): Promise<void>;
  /** Ends a pause whose end has passed, unless it was extended meanwhile; true if it ended it. */
  resumeExpiredPause(conversationId: string, pausedUntil: Date): Promise<boolean>;
  /** Seq of the newest unanswered inbound message, to notice messages arriving mid-turn. */
  newestPendingSeq(conversationId: string): Promise<bigint | null>;
}
