import type { ChannelKind } from "../domain/inbound-message.js";
import type { WorkIds } from "./queued-work.js";

export type ErasureSource = "admin" | "meta";
export type ErasureStatus = "pending" | "completed" | "failed";

/** What is kept of an erasure: no personal data, only a keyed hash of the subject (or none) and the outcome. */
export interface ErasureRecord {
  readonly confirmationCode: string;
  readonly source: ErasureSource;
  readonly status: ErasureStatus;
  readonly erasedMessages: number;
  readonly createdAt: Date;
  readonly completedAt: Date | null;
}

export interface ContactSubject {
  readonly id: string;
  readonly businessId: string;
  readonly channelKind: ChannelKind;
  /** Personal data: only ever hashed into the erasure record, never logged. */
  readonly platformUserId: string;
}

/** Erasure requests and the deletion of contacts with everything under them. */
export interface ErasureStore {
  /** The contact, only if it belongs to this business. */
  findContact(businessId: string, contactId: string): Promise<ContactSubject | null>;
  /** Every contact with this platform user id on channels of these kinds (any business). */
  findContactsByPlatformUser(kinds: readonly ChannelKind[], platformUserId: string): Promise<ContactSubject[]>;
  /** The ids of the contacts' work that the queue may hold. */
  workOf(contactIds: readonly string[]): Promise<WorkIds>;
  /**
   * One transaction: locks the contacts' conversations (a turn saving a reply finishes first, later
   * ones find them gone), collects the work ids, deletes the contacts with their conversations,
   * messages, outbox entries, turns, handoffs and reply flags. Returns how many messages went.
   */
  deleteContacts(contactIds: readonly string[]): Promise<{ erasedMessages: number; work: WorkIds }>;
  begin(request: { confirmationCode: string; source: ErasureSource; subjectHash: string | null }): Promise<void>;
  complete(confirmationCode: string, erasedMessages: number): Promise<void>;
  fail(confirmationCode: string, error: string): Promise<void>;
  find(confirmationCode: string): Promise<ErasureRecord | null>;
}
