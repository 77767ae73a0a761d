import type { KnowledgeEntryText, KnowledgeStamp, KnowledgeStore } from "../../../ports/knowledge-store.js";
import type { Db } from "../create-db.js";

/** The worker's read of one business's knowledge entries. */
export class KnowledgeRepository implements KnowledgeStore {
  constructor(private readonly db: Db) {}

  async stamp(businessId: string): Promise<KnowledgeStamp> {
    const found = await this.db.knowledgeEntry.aggregate({ where: { businessId }, _count: { _all: true }, _max: { updatedAt: true } });
    return { count: found._count._all, latestUpdate: found._max.updatedAt };
  }

  entries(businessId: string): Promise<KnowledgeEntryText[]> {
    return this.db.knowledgeEntry.findMany({
      where: { businessId },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      select: { id: true, kind: true, title: true, body: true },
    });
  }
}
