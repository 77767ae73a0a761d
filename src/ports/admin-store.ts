import type { BusinessSettings } from "../domain/business-settings.js";
import type { ChannelKind } from "../domain/inbound-message.js";
import type { Persona } from "../personas/persona-schema.js";
import type { ErasureStore } from "./erasure-store.js";
import type { WeeklyHours } from "../domain/opening-hours/index.js";
import type { SealedSecret } from "../secrets/secret-box.js";
import type { ConsoleSessionStore } from "./console-session-store.js";
import type { PushStore } from "./push-store.js";

// What the admin API reads and writes, as plain records: no Prisma types past src/storage.
// Every method that takes a businessId only ever touches rows of that business.

export interface BusinessRecord {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly timezone: string;
  readonly createdAt: Date;
}

export interface BusinessStore {
  /** All businesses, or only `onlyId` when given. */
  list(onlyId: string | null): Promise<BusinessRecord[]>;
  get(businessId: string): Promise<BusinessRecord | null>;
  /** Throws a 409 InputError when the slug is taken. */
  create(input: { slug: string; name: string; timezone: string }): Promise<BusinessRecord>;
  update(businessId: string, patch: { name?: string | undefined; timezone?: string | undefined }): Promise<BusinessRecord | null>;
}

/** When a business is open and what the agent does outside those hours. */
export interface BusinessHoursRecord {
  readonly timezone: string;
  /** As stored (the API only stores valid schedules); null: always open. */
  readonly openingHours: unknown;
  readonly outsideHours: "answer" | "away";
  readonly awayMessage: string | null;
}

export interface BusinessHoursInput {
  readonly timezone: string;
  readonly openingHours: WeeklyHours | null;
  readonly outsideHours: "answer" | "away";
  readonly awayMessage: string | null;
}

/** How the agent behaves for one business (src/domain/business-settings.ts), read by every turn. */
export interface BusinessSettingsStore {
  /** Every setting, defaults filled in; null when the business does not exist. */
  get(businessId: string): Promise<BusinessSettings | null>;
  /** Replaces them all; null when the business does not exist. */
  set(businessId: string, settings: BusinessSettings): Promise<BusinessSettings | null>;
}

export interface HoursStore {
  get(businessId: string): Promise<BusinessHoursRecord | null>;
  /** Replaces all four settings; null when the business does not exist. */
  set(businessId: string, input: BusinessHoursInput): Promise<BusinessHoursRecord | null>;
}

export interface PersonaVersionRecord {
  readonly id: string;
  readonly personaId: string;
  readonly version: number;
  readonly createdAt: Date;
  readonly active: boolean;
  /** The whole persona, validated as read; null when this version cannot be used (see `unusable`). */
  readonly persona: Persona | null;
  /** Why this version cannot be used (a draft kept from the old format, invalid settings), with its text for the owner. */
  readonly unusable: { readonly reason: string; readonly text: string } | null;
  /** The version this one copies, when it came from a rollback. */
  readonly rolledBackFrom: number | null;
}

export interface PersonaRecord {
  readonly id: string;
  readonly businessId: string;
  readonly name: string;
  readonly template: string | null;
  readonly createdAt: Date;
  readonly activeVersion: PersonaVersionRecord | null;
  readonly versionCount: number;
}

/** Written into PersonaVersion.origin: where a version came from. */
export type VersionOrigin = { readonly source: "admin-api"; readonly apiKeyId: string; readonly rolledBackFrom?: number };

export interface PersonaStore {
  list(businessId: string): Promise<PersonaRecord[]>;
  get(businessId: string, personaId: string): Promise<PersonaRecord | null>;
  /** A persona with version 1, active. Throws a 409 InputError when the name is taken. */
  create(businessId: string, input: { name: string; template: string | null; persona: Persona; origin: VersionOrigin }): Promise<PersonaRecord>;
  /** Newest first; null when the persona does not exist in this business. */
  listVersions(businessId: string, personaId: string): Promise<PersonaVersionRecord[] | null>;
  getVersion(businessId: string, personaId: string, version: number): Promise<PersonaVersionRecord | null>;
  /**
   * Appends version max+1 (optionally activating it); null when the persona does not exist here.
   * `expectedActive`: the version id the caller checked the edit against; when another edit made a
   * different version live meanwhile, throws a 409 InputError instead (its checks would be stale).
   */
  addVersion(
    businessId: string,
    personaId: string,
    input: { persona: Persona; origin: VersionOrigin; activate: boolean; expectedActive?: string | null },
  ): Promise<PersonaVersionRecord | null>;
  /** Makes a usable version live; null when it does not exist here. */
  activate(businessId: string, personaId: string, version: number): Promise<PersonaVersionRecord | null>;
}

export interface ChannelRecord {
  readonly id: string;
  readonly businessId: string;
  readonly kind: ChannelKind;
  readonly platformAccountId: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly personaId: string | null;
  readonly allowGroups: boolean;
  /** Whether sealed credentials are stored; the credentials themselves never leave storage here. */
  readonly hasCredentials: boolean;
  /** whatsapp-web.js: the session's state, and the QR code (PNG data URL) while it waits to be paired. */
  readonly connection: ChannelConnection | null;
  /** Web chat only (null for other kinds): how its page looks and which sites may embed it. */
  readonly chatPage: ChatPageLook | null;
  readonly createdAt: Date;
}

export interface ChatPageLook {
  /** #rrggbb */
  readonly color: string | null;
  /** An https URL. */
  readonly logoUrl: string | null;
  /** Origins (https://shop.example) whose pages may show the chat through the widget script. */
  readonly sites: readonly string[];
}

export interface ChannelPatch {
  readonly name?: string | undefined;
  readonly enabled?: boolean | undefined;
  readonly personaId?: string | null | undefined;
  readonly chatPage?:
    | { readonly color?: string | null | undefined; readonly logoUrl?: string | null | undefined; readonly sites?: readonly string[] | undefined }
    | undefined;
}

export interface ChannelConnection {
  readonly state: string;
  readonly at: string;
  readonly lastDisconnectReason?: string;
  readonly qrDataUrl?: string;
}

export interface NewChannel {
  readonly id: string;
  readonly businessId: string;
  readonly kind: ChannelKind;
  readonly platformAccountId: string;
  readonly name: string;
  readonly personaId: string | null;
  readonly allowGroups: boolean;
}

export interface ChannelStore {
  list(businessId: string): Promise<ChannelRecord[]>;
  get(businessId: string, channelId: string): Promise<ChannelRecord | null>;
  /**
   * The channel and its sealed credentials in one transaction. Throws a 409 InputError when the
   * account is taken (CHANNEL_TAKEN) or the business already has `maxPerBusiness` channels (CHANNEL_LIMIT).
   */
  create(channel: NewChannel, sealed: SealedSecret | null, maxPerBusiness?: number): Promise<ChannelRecord>;
  update(businessId: string, channelId: string, patch: ChannelPatch): Promise<ChannelRecord | null>;
  /** Deletes the channel with its contacts, conversations and messages. */
  delete(businessId: string, channelId: string): Promise<boolean>;
}

export interface PageCursor {
  readonly at: Date;
  readonly id: string;
}

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

export interface ContactRecord {
  readonly id: string;
  readonly businessId: string;
  readonly channel: { readonly id: string; readonly kind: ChannelKind; readonly name: string };
  readonly displayName: string | null;
  /** Phone number, Instagram-scoped id or web chat session id. Personal data. */
  readonly platformUserId: string;
  readonly createdAt: Date;
}

export interface ContactDetail extends ContactRecord {
  readonly conversations: ReadonlyArray<{ readonly id: string; readonly agentPaused: boolean; readonly lastMessageAt: Date }>;
}

export interface ContactStore {
  list(filter: { businessId: string; channelId?: string | undefined; after?: PageCursor | undefined; limit: number }): Promise<ContactRecord[]>;
  get(businessId: string, contactId: string): Promise<ContactDetail | null>;
  /** Staff's name for the contact (null: none); false when the contact is not in this business. */
  rename(businessId: string, contactId: string, displayName: string | null): Promise<boolean>;
}

export interface ApiKeyRecord {
  readonly id: string;
  /** null: an owner key. */
  readonly businessId: string | null;
  readonly name: string;
  /** Hex SHA-256 of the secret part. */
  readonly secretHash: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
}

export interface ApiKeyStore {
  insert(key: Omit<ApiKeyRecord, "lastUsedAt" | "revokedAt">): Promise<void>;
  findById(id: string): Promise<ApiKeyRecord | null>;
  /** Every key, or those of one business (null: owner keys). */
  list(businessId?: string | null): Promise<ApiKeyRecord[]>;
  /** Sets revokedAt unless already set; null when there is no such key. */
  revoke(id: string, at: Date): Promise<ApiKeyRecord | null>;
  touch(id: string, at: Date): Promise<void>;
}

export type HandoffStatus = "pending" | "notified" | "failed" | "resolved";

export interface HandoffRecord {
  readonly id: string;
  readonly businessId: string;
  readonly conversationId: string;
  /** "handoff:refund", "safety:self-harm", "handoff:contradicts-facts"... */
  readonly reason: string;
  /** The persona's owner reference at the time ("whatsapp_cloud:+34..."), or "admin" (console only). */
  readonly notify: string;
  readonly status: HandoffStatus;
  /** Why the owner could not be told (no channel of that kind, the send failed...). */
  readonly error: string | null;
  /** The outbound notice to the owner, when one went through a channel. */
  readonly noticeMessageId: string | null;
  /** Whether the agent is paused in the conversation now. */
  readonly agentPaused: boolean;
  /** Who: the contact's display name (null: none known). */
  readonly contactName: string | null;
  /** The customer's own words that led to it: their newest message up to the handoff, cut short. */
  readonly customerText: string | null;
  readonly createdAt: Date;
  readonly notifiedAt: Date | null;
  readonly resolvedAt: Date | null;
}

export interface HandoffStore {
  /** Newest first by createdAt, id; `status` "open" means anything not resolved. */
  list(filter: {
    businessId: string;
    status?: HandoffStatus | "open" | undefined;
    conversationId?: string | undefined;
    after?: PageCursor | undefined;
    limit: number;
  }): Promise<HandoffRecord[]>;
  /** Marks it resolved (kept as it was if already resolved), optionally resuming the agent; null when not in this business. */
  resolve(businessId: string, handoffId: string, resume: boolean): Promise<HandoffRecord | null>;
}

export interface ReplyFlagRecord {
  readonly id: string;
  readonly businessId: string;
  readonly conversationId: string;
  readonly replyId: string;
  /** Why the guardrails replaced the model's reply ("system-prompt-leak", "blocklist: ..."). */
  readonly reason: string;
  /** What the model said. */
  readonly modelText: string;
  /** What the customer was sent instead. */
  readonly sentText: string;
  readonly createdAt: Date;
}

export interface ReplyFlagStore {
  list(filter: {
    businessId: string;
    conversationId?: string | undefined;
    after?: PageCursor | undefined;
    limit: number;
  }): Promise<ReplyFlagRecord[]>;
}

export interface KnowledgeRecord {
  readonly id: string;
  readonly businessId: string;
  readonly kind: "faq" | "document";
  readonly title: string;
  readonly body: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface KnowledgeAdminStore {
  /** Oldest first. */
  list(businessId: string): Promise<KnowledgeRecord[]>;
  count(businessId: string): Promise<number>;
  get(businessId: string, entryId: string): Promise<KnowledgeRecord | null>;
  create(businessId: string, input: { kind: "faq" | "document"; title: string; body: string }): Promise<KnowledgeRecord>;
  update(businessId: string, entryId: string, patch: { title?: string | undefined; body?: string | undefined }): Promise<KnowledgeRecord | null>;
  delete(businessId: string, entryId: string): Promise<boolean>;
}

export interface AdminStore {
  readonly businesses: BusinessStore;
  readonly hours: HoursStore;
  readonly settings: BusinessSettingsStore;
  readonly personas: PersonaStore;
  readonly channels: ChannelStore;
  readonly conversations: ConversationStore;
  readonly contacts: ContactStore;
  readonly apiKeys: ApiKeyStore;
  /** Erasure requests; finding a contact to erase is scoped to a business like everything else. */
  readonly erasures: ErasureStore;
  readonly handoffs: HandoffStore;
  readonly replyFlags: ReplyFlagStore;
  readonly knowledge: KnowledgeAdminStore;
  /** Console sign-ins (session cookies), per API key. */
  readonly consoleSessions: ConsoleSessionStore;
  /** Web Push: alert settings per key and browsers' subscriptions. */
  readonly push: PushStore;
}
