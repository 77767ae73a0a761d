import type { PageCursor } from "./page-cursor.js";

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
