import type { HistoryMessage, SavedReply, SaveReplyInput, TurnContext, TurnStore } from "../ports/turn-store.js";
import type { Db } from "./create-db.js";
import { isForeignKeyViolation } from "./row-gone.js";
import { recordHandoff } from "./record-handoff.js";

class Fenced extends Error {}

export class TurnRepository implements TurnStore {
  constructor(private readonly db: Db) {}

  async loadTurn(conversationId: string): Promise<TurnContext | null> {
    const conversation = await this.db.conversation.findUnique({
      where: { id: conversationId },
      select: {
        id: true,
        businessId: true,
        agentPaused: true,
        pausedUntil: true,
        awaySentAt: true,
        historyStartSeq: true,
        business: { select: { timezone: true, openingHours: true, outsideHours: true, awayMessage: true } },
        contact: { select: { platformUserId: true } },
        channel: {
          select: {
            id: true,
            kind: true,
            platformAccountId: true,
            credentialsRef: true,
            persona: { select: { activeVersion: true } },
          },
        },
      },
    });
    if (!conversation) return null;
    const now = Date.now();
    const [history, persona, lastDay, lastMinute, replies] = await Promise.all([
      this.db.message.findMany({
        where: {
          conversationId,
          seq: { gte: conversation.historyStartSeq },
          OR: [
            { direction: "inbound", status: { in: ["received", "answered"] } },
            { direction: "outbound", status: { not: "failed" } },
          ],
        },
        orderBy: { seq: "asc" },
        select: { id: true, seq: true, direction: true, text: true, status: true, createdAt: true, replyId: true, kind: true },
      }),
      conversation.channel.persona?.activeVersion ?? this.defaultPersona(conversation.businessId),
      this.db.message.count({ where: { conversationId, direction: "inbound", createdAt: { gte: new Date(now - 86_400_000) } } }),
      this.db.message.count({ where: { conversationId, direction: "inbound", createdAt: { gte: new Date(now - 60_000) } } }),
      this.db.message.count({ where: { conversationId, direction: "outbound", status: { not: "failed" } } }),
    ]);
    return {
      conversationId,
      businessId: conversation.businessId,
      agentPaused: conversation.agentPaused,
      pausedUntil: conversation.pausedUntil,
      business: conversation.business,
      awaySentAt: conversation.awaySentAt,
      channel: {
        id: conversation.channel.id,
        kind: conversation.channel.kind,
        platformAccountId: conversation.channel.platformAccountId,
        credentialsRef: conversation.channel.credentialsRef,
      },
      recipientId: conversation.contact.platformUserId,
      persona: persona
        ? { versionId: persona.id, version: persona.version, systemPrompt: persona.systemPrompt, v2: (persona.settings as { v2?: unknown } | null)?.v2 }
        : null,
      activity: { lastDay, lastMinute, noReplyYet: replies === 0 },
      history: history satisfies HistoryMessage[],
      pendingIds: history.filter((m) => m.direction === "inbound" && m.status === "received").map((m) => m.id),
    };
  }

  async saveReply(input: SaveReplyInput): Promise<SavedReply | null> {
    try {
      return await this.db.$transaction(async (tx) => {
        const reply = await tx.message.create({
          data: {
            businessId: input.businessId,
            conversationId: input.conversationId,
            channelId: input.channelId,
            direction: "outbound",
            text: input.text,
            status: "pending",
          },
          select: { id: true },
        });
        const answered = await tx.message.updateMany({
          where: { id: { in: [...input.answeredIds] }, conversationId: input.conversationId, status: "received" },
          data: { status: "answered", replyId: reply.id },
        });
        if (answered.count !== input.answeredIds.length) throw new Fenced();
        const outbox = await tx.outboxEntry.create({ data: { messageId: reply.id }, select: { id: true } });
        await tx.turn.create({
          data: {
            businessId: input.businessId,
            conversationId: input.conversationId,
            replyId: reply.id,
            answeredCount: input.answeredIds.length,
            ...input.stats,
          },
        });
        await tx.conversation.updateMany({
          where: { id: input.conversationId, historyStartSeq: { lt: input.historyStartSeq } },
          data: { historyStartSeq: input.historyStartSeq },
        });
        if (input.awaySentAt) await tx.conversation.update({ where: { id: input.conversationId }, data: { awaySentAt: input.awaySentAt } });
        if (input.flag) {
          await tx.replyFlag.create({ data: { businessId: input.businessId, conversationId: input.conversationId, replyId: reply.id, reason: input.flag.reason.slice(0, 500), modelText: input.flag.modelText } });
        }
        const handoff = input.handoff ? await recordHandoff(tx, { businessId: input.businessId, conversationId: input.conversationId, handoff: input.handoff }) : undefined;
        return { replyId: reply.id, outboxId: outbox.id, ...(handoff ? { handoff } : {}) };
      });
    } catch (error) {
      if (error instanceof Fenced) return null;
      // The conversation was erased while the reply was generated: nothing to store, nothing to retry.
      if (isForeignKeyViolation(error)) return null;
      throw error;
    }
  }

  async markInboundFailed(messageIds: readonly string[], reason: string): Promise<void> {
    await this.db.message.updateMany({
      where: { id: { in: [...messageIds] }, status: "received" },
      data: { status: "failed", error: reason.slice(0, 500) },
    });
  }

  async skipInbound(messageIds: readonly string[], reason: string): Promise<void> {
    await this.db.message.updateMany({ where: { id: { in: [...messageIds] }, status: "received" }, data: { status: "skipped", error: reason.slice(0, 500) } });
  }

  async resumeExpiredPause(conversationId: string, pausedUntil: Date): Promise<boolean> {
    const resumed = await this.db.conversation.updateMany({
      where: { id: conversationId, agentPaused: true, pausedUntil: { equals: pausedUntil, lte: new Date() } },
      data: { agentPaused: false, pausedBy: null, pausedUntil: null },
    });
    return resumed.count > 0;
  }

  async newestPendingSeq(conversationId: string): Promise<bigint | null> {
    const row = await this.db.message.findFirst({
      where: { conversationId, direction: "inbound", status: "received" },
      orderBy: { seq: "desc" },
      select: { seq: true },
    });
    return row?.seq ?? null;
  }

  private async defaultPersona(businessId: string) {
    const persona = await this.db.persona.findFirst({
      where: { businessId, activeVersionId: { not: null } },
      orderBy: { createdAt: "asc" },
      select: { activeVersion: true },
    });
    return persona?.activeVersion ?? null;
  }
}
