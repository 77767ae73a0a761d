import type {
  ConversationFilter,
  ConversationRecord,
  ConversationState,
  ConversationStore,
  HumanReply,
  TranscriptMessage,
} from "../../../ports/admin/conversation-store.js";
import type { Db } from "../create-db.js";
import type { Prisma } from "../generated/client.js";
import { businessSearchQuery } from "../search-words.js";

const PENDING = { direction: "inbound", status: "received" } as const;
const PREVIEW_CHARS = 140;
/** Conversations a message search may name at most, before the page is cut from them. */
const SEARCH_MATCHES_MAX = 1000;

const select = {
  id: true,
  businessId: true,
  agentPaused: true,
  pausedBy: true,
  pausedUntil: true,
  waitingUntil: true,
  tryIt: true,
  lastMessageAt: true,
  createdAt: true,
  channel: { select: { id: true, kind: true, name: true, enabled: true } },
  contact: { select: { id: true, displayName: true } },
} as const;

type Row = Prisma.ConversationGetPayload<{ select: typeof select }>;

interface PageFacts {
  id: string;
  unanswered: bigint;
  previewText: string | null;
  previewDirection: "inbound" | "outbound" | null;
  previewAt: Date | null;
  unread: boolean;
  handoffId: string | null;
  handoffReason: string | null;
  handoffWords: string | null;
}

const waitingWhere: Prisma.ConversationWhereInput = { messages: { some: PENDING }, OR: [{ agentPaused: true }, { waitingUntil: { not: null } }] };
const openHandoff: Prisma.ConversationWhereInput = { handoffs: { some: { status: { not: "resolved" } } } };

/** The filter for one state; states are exclusive, in the order waiting, handed_off, open, resolved. */
function stateWhere(state: ConversationState): Prisma.ConversationWhereInput {
  switch (state) {
    case "waiting":
      return waitingWhere;
    case "handed_off":
      return { AND: [openHandoff, { NOT: waitingWhere }] };
    case "open":
      return { AND: [{ messages: { some: PENDING } }, { NOT: waitingWhere }, { NOT: openHandoff }] };
    case "resolved":
      return { AND: [{ messages: { none: PENDING } }, { NOT: openHandoff }] };
  }
}

function stateOf(row: Row, facts: PageFacts | undefined): ConversationState {
  const unanswered = Number(facts?.unanswered ?? 0);
  if (unanswered > 0 && (row.agentPaused || row.waitingUntil)) return "waiting";
  if (facts?.handoffId) return "handed_off";
  return unanswered > 0 ? "open" : "resolved";
}

export class AdminConversationRepository implements ConversationStore {
  constructor(private readonly db: Db) {}

  async list(filter: ConversationFilter): Promise<ConversationRecord[]> {
    const where: Prisma.ConversationWhereInput[] = [{ businessId: filter.businessId }];
    if (filter.channelId) where.push({ channelId: filter.channelId });
    if (filter.contactId) where.push({ contactId: filter.contactId });
    if (filter.paused !== undefined) where.push({ agentPaused: filter.paused });
    if (filter.unanswered === true) where.push({ messages: { some: PENDING } });
    if (filter.unanswered === false) where.push({ messages: { none: PENDING } });
    if (filter.state) where.push(stateWhere(filter.state));
    if (filter.tryIt !== undefined) where.push({ tryIt: filter.tryIt ? { not: null } : null });
    if (filter.search !== undefined) where.push(await this.searchWhere(filter.businessId, filter.search));
    if (filter.after) {
      const { at, id } = filter.after;
      where.push({ OR: [{ lastMessageAt: { lt: at } }, { lastMessageAt: at, id: { lt: id } }] });
    }
    const rows = await this.db.conversation.findMany({
      where: { AND: where },
      orderBy: [{ lastMessageAt: "desc" }, { id: "desc" }],
      take: filter.limit,
      select,
    });
    return this.withFacts(rows, filter.readerKeyId);
  }

  /** Name contains the words' text, or a message of the business has every word (the last one as a prefix). */
  private async searchWhere(businessId: string, search: string): Promise<Prisma.ConversationWhereInput> {
    const byName: Prisma.ConversationWhereInput = { contact: { displayName: { contains: search, mode: "insensitive" } } };
    const query = businessSearchQuery(businessId, search);
    if (!query) return byName;
    // The same expression as the index Message_words_idx, so the index keeps to this business.
    const matches = await this.db.$queryRaw<Array<{ id: string }>>`
      select distinct "conversationId"::text as id from (
        select "conversationId" from "Message"
        where "businessId" = ${businessId}::uuid
          and (to_tsvector('simple', text) || to_tsvector('simple', 'b' || replace("businessId"::text, '-', ''))) @@ to_tsquery('simple', ${query})
        limit ${SEARCH_MATCHES_MAX}
      ) m`;
    return { OR: [byName, { id: { in: matches.map((m) => m.id) } }] };
  }

  async get(businessId: string, conversationId: string, readerKeyId?: string): Promise<ConversationRecord | null> {
    const row = await this.db.conversation.findFirst({ where: { id: conversationId, businessId }, select });
    return row ? (await this.withFacts([row], readerKeyId))[0]! : null;
  }

  /**
   * The page's unanswered counts, newest message, unread flag and open handoff in one query over
   * its own conversations, each an indexed lookup per row (Message by conversation and seq,
   * Handoff by conversation, the read marker by key and conversation).
   */
  private async withFacts(rows: Row[], readerKeyId: string | undefined): Promise<ConversationRecord[]> {
    if (rows.length === 0) return [];
    const facts = await this.db.$queryRaw<PageFacts[]>`
      select c.id::text as id,
        (select count(*) from "Message" m where m."conversationId" = c.id and m.direction = 'inbound' and m.status = 'received') as unanswered,
        last.text as "previewText", last.direction::text as "previewDirection", last."createdAt" as "previewAt",
        exists (
          select 1 from "Message" m where m."conversationId" = c.id and m.direction = 'inbound'
            and m.seq > coalesce((select r."lastReadSeq" from "ConversationRead" r where r."apiKeyId" = ${readerKeyId ?? null}::uuid and r."conversationId" = c.id), 0)
        ) as unread,
        h.id::text as "handoffId", h.reason as "handoffReason",
        (select left(m.text, ${PREVIEW_CHARS}) from "Message" m
          where h.id is not null and m."conversationId" = c.id and m.direction = 'inbound' and m."createdAt" <= h."createdAt"
          order by m.seq desc limit 1) as "handoffWords"
      from unnest(${rows.map((r) => r.id)}::uuid[]) as c(id)
      left join lateral (select left(m.text, ${PREVIEW_CHARS}) as text, m.direction, m."createdAt" from "Message" m where m."conversationId" = c.id order by m.seq desc limit 1) last on true
      left join lateral (select h.id, h.reason, h."createdAt" from "Handoff" h where h."conversationId" = c.id and h.status <> 'resolved' order by h."createdAt" desc limit 1) h on true`;
    const byId = new Map(facts.map((f) => [f.id, f]));
    return rows.map((row) => {
      const f = byId.get(row.id);
      return {
        ...row,
        tryIt: row.tryIt === "open" || row.tryIt === "hours" ? row.tryIt : null,
        unansweredCount: Number(f?.unanswered ?? 0),
        state: stateOf(row, f),
        preview:
          f?.previewText != null && f.previewDirection && f.previewAt
            ? { text: f.previewText, direction: f.previewDirection, at: f.previewAt }
            : null,
        unread: readerKeyId !== undefined && (f?.unread ?? false),
        handoff: f?.handoffId ? { id: f.handoffId, reason: f.handoffReason ?? "", customerText: f.handoffWords } : null,
      };
    });
  }

  async markRead(businessId: string, conversationId: string, readerKeyId: string, seq?: number): Promise<{ lastReadSeq: number } | null> {
    const conversation = await this.db.conversation.findFirst({ where: { id: conversationId, businessId }, select: { id: true } });
    if (!conversation) return null;
    const [row] = await this.db.$queryRaw<Array<{ lastReadSeq: bigint }>>`
      insert into "ConversationRead" ("apiKeyId", "conversationId", "lastReadSeq", "readAt")
      select ${readerKeyId}::uuid, ${conversationId}::uuid,
        least(coalesce(${seq ?? null}::bigint, max_seq), max_seq), now()
      from (select coalesce(max(seq), 0) as max_seq from "Message" where "conversationId" = ${conversationId}::uuid) m
      on conflict ("apiKeyId", "conversationId") do update
        set "lastReadSeq" = greatest("ConversationRead"."lastReadSeq", excluded."lastReadSeq"), "readAt" = now()
      returning "lastReadSeq"`;
    return { lastReadSeq: Number(row?.lastReadSeq ?? 0) };
  }

  async newestPending(businessId: string, conversationId: string): Promise<{ messageId: string } | null> {
    const row = await this.db.message.findFirst({
      where: { conversationId, businessId, ...PENDING },
      orderBy: { seq: "desc" },
      select: { id: true },
    });
    return row ? { messageId: row.id } : null;
  }

  async startTryIt(businessId: string, channelId: string, sessionId: string, mode: "hours" | "open"): Promise<{ conversationId: string }> {
    return this.db.$transaction(async (tx) => {
      const contact = await tx.contact.create({
        data: { businessId, channelId, platformUserId: sessionId, displayName: mode === "open" ? "You (try it, as if open)" : "You (try it)" },
        select: { id: true },
      });
      const conversation = await tx.conversation.create({
        data: { businessId, channelId, contactId: contact.id, tryIt: mode },
        select: { id: true },
      });
      return { conversationId: conversation.id };
    });
  }

  async transcript(businessId: string, conversationId: string, afterSeq: number, limit: number): Promise<TranscriptMessage[] | null> {
    const conversation = await this.db.conversation.findFirst({ where: { id: conversationId, businessId }, select: { id: true } });
    if (!conversation) return null;
    const rows = await this.db.message.findMany({
      where: { conversationId, seq: { gt: BigInt(afterSeq) } },
      orderBy: { seq: "asc" },
      take: limit,
      select: {
        id: true,
        seq: true,
        direction: true,
        status: true,
        kind: true,
        text: true,
        error: true,
        createdAt: true,
        turn: { select: { id: true } },
      },
    });
    return rows.map(({ turn, seq, ...m }) => ({ ...m, seq: Number(seq), author: m.direction === "inbound" ? "customer" : turn ? "agent" : "human" }));
  }

  async setPaused(businessId: string, conversationId: string, paused: boolean, readerKeyId?: string): Promise<ConversationRecord | null> {
    const updated = await this.db.$transaction(async (tx) => {
      const done = await tx.conversation.updateMany({
        where: { id: conversationId, businessId },
        data: paused ? { agentPaused: true, pausedBy: "admin", pausedUntil: null } : { agentPaused: false, pausedBy: null, pausedUntil: null },
      });
      // Handed back to the agent: whatever handed it to a person is dealt with.
      if (done.count > 0 && !paused)
        await tx.handoff.updateMany({
          where: { conversationId, businessId, status: { not: "resolved" } },
          data: { status: "resolved", resolvedAt: new Date() },
        });
      return done.count;
    });
    return updated === 0 ? null : this.get(businessId, conversationId, readerKeyId);
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
