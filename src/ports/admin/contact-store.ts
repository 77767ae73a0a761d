import type { ChannelKind } from "../../domain/inbound-message.js";
import type { PageCursor } from "./page-cursor.js";

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
