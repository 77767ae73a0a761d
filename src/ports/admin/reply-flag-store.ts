import type { PageCursor } from "./page-cursor.js";

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
