import type { ClaimedDelivery, OutboxStore, SendProgress, SentRecord } from "../../src/ports/outbox-store.js";
import { OWNER_NOTICE_KIND, type MessageRow, type OutboxRow, type TurnTables } from "./turn-tables.js";

/** OutboxStore over TurnTables, held to test/contract/outbox-store.contract.ts like OutboxRepository. */
export class InMemoryOutboxStore implements OutboxStore {
  constructor(private readonly tables: TurnTables) {}

  async claim(outboxId: string): Promise<ClaimedDelivery | "waiting" | null> {
    const t = this.tables;
    const entry = t.outbox.get(outboxId);
    if (entry?.status !== "pending") return null;
    const message = t.messages.get(entry.messageId)!;
    const conversation = t.conversations.get(message.conversationId)!;
    const channel = t.channels.get(message.channelId)!;
    const all = t.messagesOf(message.conversationId);
    // Replies leave in order: not while an earlier reply of the conversation is pending or sending.
    const earlierUnsent = all.some(
      (m) => m.direction === "outbound" && m.seq < message.seq && this.entriesOf(m).some((e) => e.status === "pending" || e.status === "sending"),
    );
    if (earlierUnsent) return "waiting";
    entry.status = "sending";
    entry.attempts += 1;
    const inbound = all.filter((m) => m.direction === "inbound");
    const answered = inbound.filter((m) => m.seq < message.seq && m.replyId === message.id).at(-1);
    const lastInbound = inbound.at(-1);
    return {
      outboxId,
      attempt: entry.attempts,
      ...(entry.partsSent > 0 ? { partsSent: entry.partsSent } : {}),
      sentPlatformMessageIds: [...entry.platformMessageIds],
      readMarked: entry.readMarked,
      ...(answered?.platformMessageId ? { inboundPlatformMessageId: answered.platformMessageId } : {}),
      ...(lastInbound ? { lastInboundAt: lastInbound.createdAt } : {}),
      channel: { id: channel.id, kind: channel.kind, platformAccountId: channel.platformAccountId, credentialsRef: channel.credentialsRef },
      businessId: t.business.id,
      conversationId: message.conversationId,
      recipientId: conversation.recipientId,
      messageId: message.id,
      text: message.text,
    };
  }

  async markSent(outboxId: string, platformMessageIds: readonly string[]): Promise<SentRecord | undefined> {
    const entry = this.tables.outbox.get(outboxId);
    if (!entry) return undefined;
    if (entry.status === "sent") return { keptApart: [] };
    Object.assign(entry, { status: "sent", lastError: null, platformMessageIds: [...platformMessageIds] });
    const message = this.tables.messages.get(entry.messageId)!;
    const first = platformMessageIds[0] ?? null;
    // The platform id is unique per channel: one another message holds stays on the outbox entry only.
    const taken =
      first !== null && [...this.tables.messages.values()].some((m) => m.channelId === message.channelId && m.platformMessageId === first);
    message.platformMessageId = taken ? null : first;
    if (message.status === "pending" || message.status === "failed") Object.assign(message, { status: "sent", error: null });
    this.settleNotice(message, "sent");
    return { keptApart: taken ? [first] : [] };
  }

  async release(outboxId: string, error: string, progress?: SendProgress): Promise<void> {
    const entry = this.tables.outbox.get(outboxId);
    if (entry?.status !== "sending") return;
    Object.assign(entry, { status: "pending", lastError: error.slice(0, 500), ...progressFields(progress) });
  }

  async markFailed(outboxId: string, error: string, progress?: SendProgress): Promise<void> {
    const entry = this.tables.outbox.get(outboxId);
    if (!entry) return;
    Object.assign(entry, { status: "failed", lastError: error.slice(0, 500), ...progressFields(progress) });
    const message = this.tables.messages.get(entry.messageId)!;
    Object.assign(message, { status: "failed", error: error.slice(0, 500) });
    this.settleNotice(message, "failed", error);
  }

  private entriesOf(message: MessageRow): OutboxRow[] {
    return [...this.tables.outbox.values()].filter((e) => e.messageId === message.id);
  }

  /** An owner's notice carries its handoff along: sent -> notified (from pending), failed -> failed (from pending or notified). */
  private settleNotice(message: MessageRow, outcome: "sent" | "failed", error?: string): void {
    if (message.kind !== OWNER_NOTICE_KIND) return;
    for (const h of this.tables.handoffs.values()) {
      if (h.noticeMessageId !== message.id) continue;
      if (outcome === "sent" && h.status === "pending") Object.assign(h, { status: "notified", error: null });
      if (outcome === "failed" && h.status !== "failed")
        Object.assign(h, { status: "failed", error: `the notice to the owner was not delivered: ${error}` });
    }
  }
}

const progressFields = (progress?: SendProgress) =>
  progress ? { partsSent: progress.partsSent, platformMessageIds: [...progress.platformMessageIds], readMarked: progress.readMarked } : {};
