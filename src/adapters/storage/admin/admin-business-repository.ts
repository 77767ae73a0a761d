import type { BusinessRecord, BusinessStore } from "../../../ports/admin/business-store.js";
import { InputError } from "../../../domain/errors.js";
import type { Db } from "../create-db.js";
import { isUniqueViolation } from "../unique-violation.js";

const select = { id: true, slug: true, name: true, timezone: true, createdAt: true } as const;

export class AdminBusinessRepository implements BusinessStore {
  constructor(private readonly db: Db) {}

  list(onlyId: string | null): Promise<BusinessRecord[]> {
    return this.db.business.findMany({ where: onlyId ? { id: onlyId } : {}, orderBy: [{ createdAt: "asc" }, { id: "asc" }], select });
  }

  get(businessId: string): Promise<BusinessRecord | null> {
    return this.db.business.findUnique({ where: { id: businessId }, select });
  }

  async create(input: { slug: string; name: string; timezone: string }): Promise<BusinessRecord> {
    try {
      return await this.db.business.create({ data: input, select });
    } catch (error) {
      if (isUniqueViolation(error)) throw new InputError("SLUG_TAKEN", "body.slug: a business with this slug exists", 409);
      throw error;
    }
  }

  async update(businessId: string, patch: { name?: string | undefined; timezone?: string | undefined }): Promise<BusinessRecord | null> {
    const data = { ...(patch.name !== undefined ? { name: patch.name } : {}), ...(patch.timezone !== undefined ? { timezone: patch.timezone } : {}) };
    const updated = await this.db.business.updateMany({ where: { id: businessId }, data });
    return updated.count === 0 ? null : this.get(businessId);
  }
}
