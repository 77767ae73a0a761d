import type { ReplyFlagRecord, ReplyFlagStore } from "../../../ports/admin/reply-flag-store.js";
import { before } from "./admin-handoff-repository.js";
import type { Db } from "../create-db.js";
import type { Prisma } from "../generated/client.js";

export class AdminReplyFlagRepository implements ReplyFlagStore {
  constructor(private readonly db: Db) {}

  async list(filter: Parameters<ReplyFlagStore["list"]>[0]): Promise<ReplyFlagRecord[]> {
    const where: Prisma.ReplyFlagWhereInput[] = [{ businessId: filter.businessId }];
    if (filter.conversationId) where.push({ conversationId: filter.conversationId });
    if (filter.after) where.push(before(filter.after));
    const rows = await this.db.replyFlag.findMany({
      where: { AND: where },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: filter.limit,
      select: {
        id: true,
        businessId: true,
        conversationId: true,
        replyId: true,
        reason: true,
        modelText: true,
        createdAt: true,
        reply: { select: { text: true } },
      },
    });
    return rows.map(({ reply, ...rest }) => ({ ...rest, sentText: reply.text }));
  }
}
