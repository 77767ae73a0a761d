import { randomUUID } from "node:crypto";
import { readBusinessSettings } from "../../src/domain/business-settings.js";
import { parseOwnerReference } from "../../src/domain/owner-notice.js";
import { readStoredPersona } from "../../src/domain/personas/stored-persona.js";
import type { HandoffToRecord, HistoryMessage, SavedReply, SaveReplyInput, TurnContext, TurnStore } from "../../src/ports/turn-store.js";
import { OWNER_NOTICE_KIND, type TurnTables } from "./turn-tables.js";

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/**
 * TurnStore over TurnTables, held to test/contract/turn-store.contract.ts like TurnRepository.
 * Single-threaded JavaScript makes each method atomic, as the real one's statement or transaction is.
 */
export class InMemoryTurnStore implements TurnStore {
  constructor(private readonly tables: TurnTables) {}

  async loadTurn(conversationId: string): Promise<TurnContext | null> {
    const t = this.tables;
    const conversation = t.conversations.get(conversationId);
    if (!conversation) return null;
    const channel = t.channels.get(conversation.channelId)!;
    const now = Date.now();
    const all = t.messagesOf(conversationId);
    const inbound = all.filter((m) => m.direction === "inbound");
    const since = (ms: number) => (m: { createdAt: Date }) => m.createdAt.getTime() >= now - ms;
    const senderKey = channel.kind === "webchat" ? inbound.filter((m) => m.senderKey !== null).at(-1)?.senderKey : undefined;
    const fromAddress = senderKey
      ? [...t.messages.values()].filter((m) => m.channelId === channel.id && m.direction === "inbound" && m.senderKey === senderKey)
      : [];
    const history: HistoryMessage[] = all
      .filter((m) => m.seq >= conversation.historyStartSeq)
      .filter((m) => (m.direction === "inbound" ? m.status === "received" || m.status === "answered" : m.status !== "failed"))
      .map(({ id, seq, direction, text, status, createdAt, replyId, kind }) => ({ id, seq, direction, text, status, createdAt, replyId, kind }));
    const { business } = t;
    return {
      conversationId,
      businessId: business.id,
      agentPaused: conversation.agentPaused,
      pausedUntil: conversation.pausedUntil,
      business: {
        timezone: business.timezone,
        openingHours: business.openingHours,
        outsideHours: business.outsideHours,
        awayMessage: business.awayMessage,
      },
      settings: readBusinessSettings(business.settings),
      awaySentAt: conversation.awaySentAt,
      tryIt: null,
      channel: { id: channel.id, kind: channel.kind, platformAccountId: channel.platformAccountId, credentialsRef: channel.credentialsRef },
      recipientId: conversation.recipientId,
      persona: readStoredPersona({ ...business.persona, draftReason: null }),
      activity: {
        lastDay: inbound.filter(since(DAY_MS)).length,
        lastMinute: inbound.filter(since(MINUTE_MS)).length,
        noReplyYet: !all.some((m) => m.direction === "outbound" && m.status !== "failed"),
        ...(fromAddress.some(since(DAY_MS))
          ? { address: { lastDay: fromAddress.filter(since(DAY_MS)).length, lastMinute: fromAddress.filter(since(MINUTE_MS)).length } }
          : {}),
      },
      knowledge: { count: 0, latestUpdate: null },
      history,
      pendingIds: history.filter((m) => m.direction === "inbound" && m.status === "received").map((m) => m.id),
    };
  }

  async saveReply(input: SaveReplyInput): Promise<SavedReply | null> {
    const t = this.tables;
    const conversation = t.conversations.get(input.conversationId);
    if (!conversation) return null;
    const answered = input.answeredIds.map((id) => t.messages.get(id));
    // The fence: every message answered must still be unanswered, or nothing at all is written.
    if (answered.some((m) => !m || m.conversationId !== input.conversationId || m.status !== "received")) return null;
    const reply = t.addMessage({
      conversationId: input.conversationId,
      channelId: input.channelId,
      direction: "outbound",
      kind: "text",
      text: input.text.replaceAll("\u0000", ""),
      status: "pending",
    });
    const outbox = t.addOutbox(reply.id);
    for (const m of answered) {
      m!.status = "answered";
      m!.replyId = reply.id;
    }
    if (input.historyStartSeq > conversation.historyStartSeq) conversation.historyStartSeq = input.historyStartSeq;
    if (input.awaySentAt) conversation.awaySentAt = input.awaySentAt;
    conversation.waitingUntil = null;
    const handoff = input.handoff ? this.recordHandoff(input.conversationId, input.handoff) : undefined;
    return { replyId: reply.id, outboxId: outbox.id, ...(handoff ? { handoff } : {}) };
  }

  /** As record-handoff.ts: pause the agent, record the handoff, store the owner's notice on a channel of its kind. */
  private recordHandoff(conversationId: string, handoff: HandoffToRecord): NonNullable<SavedReply["handoff"]> {
    const t = this.tables;
    const conversation = t.conversations.get(conversationId)!;
    Object.assign(conversation, { agentPaused: true, pausedBy: handoff.pausedBy, pausedUntil: null });
    const record = (status: "pending" | "notified" | "failed", notify: string, noticeMessageId: string | null, error: string | null) => {
      const id = randomUUID();
      t.handoffs.set(id, { id, conversationId, reason: handoff.reason.slice(0, 200), notify, status, noticeMessageId, error });
      return id;
    };
    const target = parseOwnerReference(handoff.notify);
    if (target.channel === "admin") return { id: record("notified", "admin", null, null), status: "notified" };
    if (target.channel === "invalid") return { id: record("failed", handoff.notify, null, target.error), status: "failed" };
    const channel = [...t.channels.values()].find((c) => c.kind === target.channel && c.enabled);
    if (!channel) {
      const error = `no enabled ${target.channel} channel in this business to notify the owner through`;
      return { id: record("failed", handoff.notify, null, error), status: "failed" };
    }
    const owner = t.conversationOf(channel.id, target.address, true);
    Object.assign(owner, { agentPaused: true, pausedBy: "admin", pausedUntil: null });
    const notice = t.addMessage({
      conversationId: owner.id,
      channelId: channel.id,
      direction: "outbound",
      kind: OWNER_NOTICE_KIND,
      text: handoff.noticeText,
      status: "pending",
    });
    const outbox = t.addOutbox(notice.id);
    return { id: record("pending", handoff.notify, notice.id, null), status: "pending", noticeOutboxId: outbox.id };
  }

  async markInboundFailed(messageIds: readonly string[], reason: string): Promise<void> {
    this.settleReceived(messageIds, "failed", reason);
  }

  async skipInbound(messageIds: readonly string[], reason: string): Promise<void> {
    this.settleReceived(messageIds, "skipped", reason);
  }

  private settleReceived(messageIds: readonly string[], status: string, reason: string): void {
    for (const id of messageIds) {
      const m = this.tables.messages.get(id);
      if (m?.status === "received") Object.assign(m, { status, error: reason.slice(0, 500) });
    }
  }

  async waitForOpening(conversationId: string, until: Date): Promise<void> {
    const conversation = this.tables.conversations.get(conversationId);
    if (conversation) conversation.waitingUntil = until;
  }

  async resumeExpiredPause(conversationId: string, pausedUntil: Date): Promise<boolean> {
    const c = this.tables.conversations.get(conversationId);
    if (!c?.agentPaused || c.pausedUntil?.getTime() !== pausedUntil.getTime() || pausedUntil.getTime() > Date.now()) return false;
    Object.assign(c, { agentPaused: false, pausedBy: null, pausedUntil: null });
    return true;
  }

  async newestPendingSeq(conversationId: string): Promise<bigint | null> {
    const pending = this.tables.messagesOf(conversationId).filter((m) => m.direction === "inbound" && m.status === "received");
    return pending.at(-1)?.seq ?? null;
  }
}
