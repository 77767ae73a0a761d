import type { HandoffRecord, HandoffStore, PageCursor } from "../admin/admin-store.js";
import type { Db } from "./create-db.js";
import type { Prisma } from "./generated/client.js";

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
  conversation: { select: { agentPaused: true } },
} as const;

type Row = Omit<HandoffRecord, "agentPaused"> & { conversation: { agentPaused: boolean } };
const toRecord = ({ conversation, ...rest }: Row): HandoffRecord => ({ ...rest, agentPaused: conversation.agentPaused });

export class AdminHandoffRepository implements HandoffStore {
  constructor(private readonly db: Db) {}

  async list(filter: Parameters<HandoffStore["list"]>[0]): Promise<HandoffRecord[]> {
    const where: Prisma.HandoffWhereInput[] = [{ businessId: filter.businessId }];
    if (filter.status === "open") where.push({ status: { not: "resolved" } });
    else if (filter.status) where.push({ status: filter.status });
    if (filter.conversationId) where.push({ conversationId: filter.conversationId });
    if (filter.after) where.push(before(filter.after));
    const rows = await this.db.handoff.findMany({ where: { AND: where }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: filter.limit, select });
    return rows.map(toRecord);
  }

  resolve(businessId: string, handoffId: string, resume: boolean): Promise<HandoffRecord | null> {
    return this.db.$transaction(async (tx) => {
      const found = await tx.handoff.findFirst({ where: { id: handoffId, businessId }, select: { conversationId: true } });
      if (!found) return null;
      await tx.handoff.updateMany({ where: { id: handoffId, status: { not: "resolved" } }, data: { status: "resolved", resolvedAt: new Date() } });
      if (resume) await tx.conversation.update({ where: { id: found.conversationId }, data: { agentPaused: false, pausedBy: null, pausedUntil: null } });
      return toRecord(await tx.handoff.findUniqueOrThrow({ where: { id: handoffId }, select }));
    });
  }
}

/** Newest-first paging: rows strictly after the cursor's (createdAt, id). */
export function before(after: PageCursor) {
  return { OR: [{ createdAt: { lt: after.at } }, { createdAt: after.at, id: { lt: after.id } }] };
}
