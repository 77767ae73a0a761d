import type { BusinessHoursInput, BusinessHoursRecord, HoursStore } from "../../../ports/admin/hours-store.js";
import type { Db } from "../create-db.js";
import { Prisma } from "../generated/client.js";

const select = { timezone: true, openingHours: true, outsideHours: true, awayMessage: true } as const;

export class AdminHoursRepository implements HoursStore {
  constructor(private readonly db: Db) {}

  get(businessId: string): Promise<BusinessHoursRecord | null> {
    return this.db.business.findUnique({ where: { id: businessId }, select });
  }

  async set(businessId: string, input: BusinessHoursInput): Promise<BusinessHoursRecord | null> {
    const [updated] = await this.db.$transaction([
      this.db.business.updateMany({
        where: { id: businessId },
        data: {
          timezone: input.timezone,
          openingHours: input.openingHours === null ? Prisma.DbNull : (input.openingHours as Prisma.InputJsonValue),
          outsideHours: input.outsideHours,
          awayMessage: input.awayMessage,
        },
      }),
      // Messages waiting for the old schedule's opening are judged again by the new one (the reconciler's next round).
      this.db.conversation.updateMany({ where: { businessId, waitingUntil: { not: null } }, data: { waitingUntil: null } }),
    ]);
    return updated.count === 0 ? null : this.get(businessId);
  }
}
