import type { BusinessSettings } from "../../domain/business-settings.js";

export interface BusinessRecord {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly timezone: string;
  readonly createdAt: Date;
}

export interface BusinessStore {
  /** All businesses, or only `onlyId` when given. */
  list(onlyId: string | null): Promise<BusinessRecord[]>;
  get(businessId: string): Promise<BusinessRecord | null>;
  /** Throws a 409 InputError when the slug is taken. */
  create(input: { slug: string; name: string; timezone: string }): Promise<BusinessRecord>;
  update(businessId: string, patch: { name?: string | undefined; timezone?: string | undefined }): Promise<BusinessRecord | null>;
}

/** How the agent behaves for one business (src/domain/business-settings.ts), read by every turn. */
export interface BusinessSettingsStore {
  /** Every setting, defaults filled in; null when the business does not exist. */
  get(businessId: string): Promise<BusinessSettings | null>;
  /** Replaces them all; null when the business does not exist. */
  set(businessId: string, settings: BusinessSettings): Promise<BusinessSettings | null>;
}
