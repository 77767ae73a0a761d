import type { KnowledgeAdminStore, KnowledgeRecord } from "../../../ports/admin/knowledge-admin-store.js";
import type { Db } from "../create-db.js";

const select = { id: true, businessId: true, kind: true, title: true, body: true, createdAt: true, updatedAt: true } as const;

export class AdminKnowledgeRepository implements KnowledgeAdminStore {
  constructor(private readonly db: Db) {}

  list(businessId: string): Promise<KnowledgeRecord[]> {
    return this.db.knowledgeEntry.findMany({ where: { businessId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }], select });
  }

  count(businessId: string): Promise<number> {
    return this.db.knowledgeEntry.count({ where: { businessId } });
  }

  get(businessId: string, entryId: string): Promise<KnowledgeRecord | null> {
    return this.db.knowledgeEntry.findFirst({ where: { id: entryId, businessId }, select });
  }

  create(businessId: string, input: { kind: "faq" | "document"; title: string; body: string }): Promise<KnowledgeRecord> {
    return this.db.knowledgeEntry.create({ data: { businessId, ...input }, select });
  }

  async update(
    businessId: string,
    entryId: string,
    patch: { title?: string | undefined; body?: string | undefined },
  ): Promise<KnowledgeRecord | null> {
    const data = {
      ...(patch.title !== undefined ? { title: patch.title } : {}),
      ...(patch.body !== undefined ? { body: patch.body } : {}),
      updatedAt: new Date(),
    };
    const updated = await this.db.knowledgeEntry.updateMany({ where: { id: entryId, businessId }, data });
    return updated.count === 0 ? null : this.get(businessId, entryId);
  }

  async delete(businessId: string, entryId: string): Promise<boolean> {
    return (await this.db.knowledgeEntry.deleteMany({ where: { id: entryId, businessId } })).count > 0;
  }
}
