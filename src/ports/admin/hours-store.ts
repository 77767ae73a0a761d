import type { WeeklyHours } from "../../domain/opening-hours/index.js";

/** When a business is open and what the agent does outside those hours. */
export interface BusinessHoursRecord {
  readonly timezone: string;
  /** As stored (the API only stores valid schedules); null: always open. */
  readonly openingHours: unknown;
  readonly outsideHours: "answer" | "away";
  readonly awayMessage: string | null;
}

export interface BusinessHoursInput {
  readonly timezone: string;
  readonly openingHours: WeeklyHours | null;
  readonly outsideHours: "answer" | "away";
  readonly awayMessage: string | null;
}

export interface HoursStore {
  get(businessId: string): Promise<BusinessHoursRecord | null>;
  /** Replaces all four settings; null when the business does not exist. */
  set(businessId: string, input: BusinessHoursInput): Promise<BusinessHoursRecord | null>;
}
