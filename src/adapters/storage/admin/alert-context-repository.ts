import type { AlertContext, AlertContextReader } from "../../../ports/alert-context-reader.js";
import type { Db } from "../create-db.js";
import { withDatabase } from "../db-unavailable.js";

/** What an owner alert names: the business, the channel, and the customer's newest words. */
export class AlertContextRepository implements AlertContextReader {
  constructor(private readonly db: Db) {}

  async load(businessId: string, conversationId: string): Promise<AlertContext | null> {
    const row = await withDatabase(() =>
      this.db.conversation.findFirst({
        where: { id: conversationId, businessId },
        select: {
          business: { select: { name: true } },
          channel: { select: { name: true } },
          messages: { where: { direction: "inbound" }, orderBy: { seq: "desc" }, take: 1, select: { text: true } },
        },
      }),
    );
    if (!row) return null;
    return { businessName: row.business.name, channelName: row.channel.name, customerText: row.messages[0]?.text ?? null };
  }
}
