import type { ChannelKind } from "../../domain/inbound-message.js";
import type { PageCursor } from "./page-cursor.js";

export interface ConversationFilter {
  readonly businessId: string;
  readonly channelId?: string | undefined;
  readonly contactId?: string | undefined;
  readonly paused?: boolean | undefined;
  /** true: has inbound messages still "received"; false: has none. */
  readonly unanswered?: boolean | undefined;
  /** Only conversations in this state (see ConversationState). */
  readonly state?: ConversationState | undefined;
  /** true: only console Try it chats; false: only customers'. */
  readonly tryIt?: boolean | undefined;
  /** Words of the contact's name or of a message (whole words, or the start of the last one). */
  readonly search?: string | undefined;
  /** Whose read markers say what is unread (the caller's API key). */
  readonly readerKeyId?: string | undefined;
  /** Newest first by lastMessageAt, id; the page starts after this one. */
  readonly after?: PageCursor | undefined;
  readonly limit: number;
}

/**
 * waiting: customer messages the agent will not answer now (paused, taken over, handed off, or
 * closed after the away message), waiting for a person; handed_off: an open handoff, nothing
 * waiting; open: the agent is answering; resolved: nothing left to answer.
 */
export type ConversationState = "waiting" | "handed_off" | "open" | "resolved";

export interface ConversationRecord {
  readonly id: string;
  readonly businessId: string;
  readonly channel: { readonly id: string; readonly kind: ChannelKind; readonly name: string; readonly enabled: boolean };
  readonly contact: { readonly id: string; readonly displayName: string | null };
  readonly agentPaused: boolean;
  /** Who paused it: "admin", "owner_phone", "safety", "handoff"; null when not paused (or paused before this was kept). */
  readonly pausedBy: string | null;
  /** The pause ends by itself then (the owner's quiet time); null: until someone resumes it. */
  readonly pausedUntil: Date | null;
  readonly unansweredCount: number;
  readonly state: ConversationState;
  /** Closed after the away message: the agent answers the waiting messages at this opening, unless a person does first. */
  readonly waitingUntil: Date | null;
  /** A console Try it chat ("hours": follows the opening hours, "open": as if open); null: a customer's. */
  readonly tryIt: "hours" | "open" | null;
  /** The newest message, cut short. */
  readonly preview: { readonly text: string; readonly direction: "inbound" | "outbound"; readonly at: Date } | null;
  /** A customer message the reader's key has not read yet. */
  readonly unread: boolean;
  /** The newest open handoff, with the customer's words that led to it. */
  readonly handoff: { readonly id: string; readonly reason: string; readonly customerText: string | null } | null;
  readonly lastMessageAt: Date;
  readonly createdAt: Date;
}

export interface TranscriptMessage {
  readonly id: string;
  readonly seq: number;
  readonly direction: "inbound" | "outbound";
  /** customer (inbound), agent (a reply with a turn record), human (sent through the admin API). */
  readonly author: "customer" | "agent" | "human";
  readonly status: string;
  readonly kind: string;
  readonly text: string;
  readonly error: string | null;
  readonly createdAt: Date;
}

export interface HumanReply {
  readonly messageId: string;
  readonly outboxId: string;
  readonly seq: number;
  readonly answeredCount: number;
  readonly createdAt: Date;
}

export interface ConversationStore {
  list(filter: ConversationFilter): Promise<ConversationRecord[]>;
  /** readerKeyId: whose read marker decides unread (without one, unread is false). */
  get(businessId: string, conversationId: string, readerKeyId?: string): Promise<ConversationRecord | null>;
  /** Moves the key's read marker forward to `seq` (default: the newest message); null when the conversation is not here. */
  markRead(businessId: string, conversationId: string, readerKeyId: string, seq?: number): Promise<{ lastReadSeq: number } | null>;
  /** The newest customer message still waiting for an answer, to queue the agent's turn for it. */
  newestPending(businessId: string, conversationId: string): Promise<{ messageId: string } | null>;
  /** A console Try it chat on a web chat channel of the business: its contact, conversation and session id. */
  startTryIt(businessId: string, channelId: string, sessionId: string, mode: "hours" | "open"): Promise<{ conversationId: string }>;
  /** Messages in seq order after `afterSeq`; null when the conversation does not exist here. */
  transcript(businessId: string, conversationId: string, afterSeq: number, limit: number): Promise<TranscriptMessage[] | null>;
  /** Resuming also resolves the conversation's open handoffs: a person handed it back. */
  setPaused(businessId: string, conversationId: string, paused: boolean, readerKeyId?: string): Promise<ConversationRecord | null>;
  /**
   * One transaction: an outbound message, its outbox entry, and every inbound message still
   * "received" before it marked answered by it (so the agent does not answer them too).
   */
  sendHumanReply(businessId: string, conversationId: string, text: string): Promise<HumanReply | null>;
}
