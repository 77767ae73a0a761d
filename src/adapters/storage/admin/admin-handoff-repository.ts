import type { HandoffRecord, HandoffStore } from "../../../ports/admin/handoff-store.js";
import type { PageCursor } from "../../../ports/admin/page-cursor.js";
import type { Db } from "../create-db.js";
import type { Prisma } from "../generated/client.js";

const select = {
  id: true,
  businessId: true,
  conversationId: true,
  reason: true,
  notify: true,
  status: true,
  error: true,
  noticeMessageId: true,
  createdAt: true,
  notifiedAt: true,
  resolvedAt: true,
  conversation: { select: { agentPaused: true, contact: { select: { displayName: true } } } },
} as const;

const WORDS_CHARS = 280;

type Row = Omit<HandoffRecord, "agentPaused" | "contactName" | "customerText"> & {
  conversation: { agentPaused: boolean; contact: { displayName: string | null } };
};

export class AdminHandoffRepository implements HandoffStore {
  constructor(private readonly db: Db) {}

  async list(filter: Parameters<HandoffStore["list"]>[0]): Promise<HandoffRecord[]> {
    const where: Prisma.HandoffWhereInput[] = [{ businessId: filter.businessId }];
    if (filter.status === "open") where.push({ status: { not: "resolved" } });
    else if (filter.status) where.push({ status: filter.status });
    if (filter.conversationId) where.push({ conversationId: filter.conversationId });
    if (filter.after) where.push(before(filter.after));
    const rows = await this.db.handoff.findMany({
      where: { AND: where },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: filter.limit,
      select,
    });
    return this.toRecords(rows);
  }

  /** With the customer's words: their newest message up to the handoff, one indexed lookup per row of the page. */
  private async toRecords(rows: Row[]): Promise<HandoffRecord[]> {
    if (rows.length === 0) return [];
    const words = await this.db.$queryRaw<Array<{ id: string; text: string | null }>>`
      select h.id::text as id, (
        select left(m.text, ${WORDS_CHARS}) from "Message" m
        where m."conversationId" = h."conversationId" and m.direction = 'inbound' and m."createdAt" <= h."createdAt"
        order by m.seq desc limit 1
      ) as text
      from "Handoff" h where h.id = any(${rows.map((r) => r.id)}::uuid[])`;
    const byId = new Map(words.map((w) => [w.id, w.text]));
    return rows.map(({ conversation, ...rest }) => ({
      ...rest,
      agentPaused: conversation.agentPaused,
      contactName: conversation.contact.displayName,
      customerText: byId.get(rest.id) ?? null,
    }));
  }

  async resolve(businessId: string, handoffId: string, resume: boolean): Promise<HandoffRecord | null> {
    const row = await this.db.$transaction(async (tx) => {
      const found = await tx.handoff.findFirst({ where: { id: handoffId, businessId }, select: { conversationId: true } });
      if (!found) return null;
      await tx.handoff.updateMany({ where: { id: handoffId, status: { not: "resolved" } }, data: { status: "resolved", resolvedAt: new Date() } });
      if (resume)
        await tx.conversation.update({ where: { id: found.conversationId }, data: { agentPaused: false, pausedBy: null, pausedUntil: null } });
      // A person handed it back: the conversation's other open handoffs are dealt with too.
      if (resume)
        await tx.handoff.updateMany({
          where: { conversationId: found.conversationId, businessId, status: { not: "resolved" } },
          data: { status: "resolved", resolvedAt: new Date() },
        });
      return tx.handoff.findUniqueOrThrow({ where: { id: handoffId }, select });
    });
    return row ? (await this.toRecords([row]))[0]! : null;
  }
}

/** Newest-first paging: rows strictly after the cursor's (createdAt, id). */
export function before(after: PageCursor) {
  return { OR: [{ createdAt: { lt: after.at } }, { createdAt: after.at, id: { lt: after.id } }] };
}
