import type { ContactDetail, ContactRecord, ContactStore } from "../../../ports/admin/contact-store.js";
import type { PageCursor } from "../../../ports/admin/page-cursor.js";
import type { Db } from "../create-db.js";
import type { Prisma } from "../generated/client.js";

const select = {
  id: true,
  businessId: true,
  displayName: true,
  platformUserId: true,
  createdAt: true,
  channel: { select: { id: true, kind: true, name: true } },
} as const;

export class AdminContactRepository implements ContactStore {
  constructor(private readonly db: Db) {}

  list(filter: { businessId: string; channelId?: string | undefined; after?: PageCursor | undefined; limit: number }): Promise<ContactRecord[]> {
    const where: Prisma.ContactWhereInput[] = [{ businessId: filter.businessId }];
    if (filter.channelId) where.push({ channelId: filter.channelId });
    if (filter.after) {
      const { at, id } = filter.after;
      where.push({ OR: [{ createdAt: { lt: at } }, { createdAt: at, id: { lt: id } }] });
    }
    return this.db.contact.findMany({ where: { AND: where }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: filter.limit, select });
  }

  async rename(businessId: string, contactId: string, displayName: string | null): Promise<boolean> {
    const updated = await this.db.contact.updateMany({ where: { id: contactId, businessId }, data: { displayName } });
    return updated.count > 0;
  }

  get(businessId: string, contactId: string): Promise<ContactDetail | null> {
    return this.db.contact.findFirst({
      where: { id: contactId, businessId },
      select: { ...select, conversations: { orderBy: { lastMessageAt: "desc" }, select: { id: true, agentPaused: true, lastMessageAt: true } } },
    });
  }
}
