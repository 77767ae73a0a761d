import type { ConversationFilter, ConversationRecord, ConversationStore, HumanReply, TranscriptMessage } from "../admin/admin-store.js";
import type { Db } from "./create-db.js";
import type { Prisma } from "./generated/client.js";

const PENDING = { direction: "inbound", status: "received" } as const;

const select = {
  id: true,
  businessId: true,
  agentPaused: true,
  pausedBy: true,
  pausedUntil: true,
  lastMessageAt: true,
  createdAt: true,
  channel: { select: { id: true, kind: true, name: true, enabled: true } },
  contact: { select: { id: true, displayName: true } },
} as const;

type Row = Omit<ConversationRecord, "unansweredCount">;

export class AdminConversationRepository implements ConversationStore {
  constructor(private readonly db: Db) {}

  async list(filter: ConversationFilter): Promise<ConversationRecord[]> {
    const where: Prisma.ConversationWhereInput[] = [{ businessId: filter.businessId }];
    if (filter.channelId) where.push({ channelId: filter.channelId });
    if (filter.contactId) where.push({ contactId: filter.contactId });
    if (filter.paused !== undefined) where.push({ agentPaused: filter.paused });
    if (filter.unanswered === true) where.push({ messages: { some: PENDING } });
    if (filter.unanswered === false) where.push({ messages: { none: PENDING } });
    if (filter.after) {
      const { at, id } = filter.after;
      where.push({ OR: [{ lastMessageAt: { lt: at } }, { lastMessageAt: at, id: { lt: id } }] });
    }
    const rows = await this.db.conversation.findMany({ where: { AND: where }, orderBy: [{ lastMessageAt: "desc" }, { id: "desc" }], take: filter.limit, select });
    return this.withUnanswered(rows);
  }

  async get(businessId: string, conversationId: string): Promise<ConversationRecord | null> {
    const row = await this.db.conversation.findFirst({ where: { id: conversationId, businessId }, select });
    return row ? (await this.withUnanswered([row]))[0]! : null;
  }

  /**
   * The page's unanswered counts in one indexed query over its own conversations. (Prisma's
   * relation `_count` with a filter aggregates the whole Message table and joins the result: its
   * cost grew with every business's pending messages.)
   */
  private async withUnanswered(rows: Row[]): Promise<ConversationRecord[]> {
    if (rows.length === 0) return [];
    const counts = await this.db.$queryRaw<Array<{ id: string; n: bigint }>>`
      select "conversationId"::text as id, count(*) as n from "Message"
      where "conversationId" = any(${rows.map((r) => r.id)}::uuid[]) and direction = 'inbound' and status = 'received'
      group by "conversationId"`;
    const byId = new Map(counts.map((c) => [c.id, Number(c.n)]));
    return rows.map((row) => ({ ...row, unansweredCount: byId.get(row.id) ?? 0 }));
  }

  async transcript(businessId: string, conversationId: string, afterSeq: number, limit: number): Promise<TranscriptMessage[] | null> {
    const conversation = await this.db.conversation.findFirst({ where: { id: conversationId, businessId }, select: { id: true } });
    if (!conversation) return null;
    const rows = await this.db.message.findMany({
      where: { conversationId, seq: { gt: BigInt(afterSeq) } },
      orderBy: { seq: "asc" },
      take: limit,
      select: { id: true, seq: true, direction: true, status: true, kind: true, text: true, error: true, createdAt: true, turn: { select: { id: true } } },
    });
    return rows.map(({ turn, seq, ...m }) => ({ ...m, seq: Number(seq), author: m.direction === "inbound" ? "customer" : turn ? "agent" : "human" }));
  }

  async setPaused(businessId: string, conversationId: string, paused: boolean): Promise<ConversationRecord | null> {
    const updated = await this.db.conversation.updateMany({ where: { id: conversationId, businessId }, data: paused ? { agentPaused: true, pausedBy: "admin", pausedUntil: null } : { agentPaused: false, pausedBy: null, pausedUntil: null } });
    return updated.count === 0 ? null : this.get(businessId, conversationId);
  }

  sendHumanReply(businessId: string, conversationId: string, text: string): Promise<HumanReply | null> {
    return this.db.$transaction(async (tx) => {
      const conversation = await tx.conversation.findFirst({ where: { id: conversationId, businessId }, select: { channelId: true } });
      if (!conversation) return null;
      const now = new Date();
      const reply = await tx.message.create({
        data: { businessId, conversationId, channelId: conversation.channelId, direction: "outbound", text, status: "pending", createdAt: now },
        select: { id: true, seq: true, createdAt: true },
      });
      // Only messages stored before this reply: one arriving meanwhile still gets an answer.
      const answered = await tx.message.updateMany({
        where: { conversationId, ...PENDING, seq: { lt: reply.seq } },
        data: { status: "answered", replyId: reply.id },
      });
      const outbox = await tx.outboxEntry.create({ data: { messageId: reply.id }, select: { id: true } });
      await tx.conversation.update({ where: { id: conversationId }, data: { lastMessageAt: now } });
      return { messageId: reply.id, outboxId: outbox.id, seq: Number(reply.seq), answeredCount: answered.count, createdAt: reply.createdAt };
    });
  }
}

