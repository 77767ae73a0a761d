import type { BusinessSettingsStore } from "../../../ports/admin/business-store.js";
import { readBusinessSettings, type BusinessSettings } from "../../../domain/business-settings.js";
import type { Db } from "../create-db.js";

export class AdminSettingsRepository implements BusinessSettingsStore {
  constructor(private readonly db: Db) {}

  async get(businessId: string): Promise<BusinessSettings | null> {
    const row = await this.db.business.findUnique({ where: { id: businessId }, select: { settings: true } });
    return row ? readBusinessSettings(row.settings) : null;
  }

  async set(businessId: string, settings: BusinessSettings): Promise<BusinessSettings | null> {
    const updated = await this.db.business.updateMany({ where: { id: businessId }, data: { settings: { ...settings } } });
    return updated.count === 0 ? null : this.get(businessId);
  }
}
