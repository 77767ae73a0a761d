import type { InboundStore } from "../../../ports/inbound-store.js";
import type { Logger } from "../../../ports/logger.js";
import type { OutboundStatusStore } from "../../../ports/outbound-status-store.js";
import type { MetaStatusUpdate } from "../meta/webhook-batch.js";

export interface StatusUpdaterDeps {
  readonly statuses: OutboundStatusStore;
  readonly channels: Pick<InboundStore, "findChannel">;
  readonly logger: Logger;
}

/** The webhook routes' `onStatus`: WhatsApp receipts -> our stored replies' statuses. */
export function createStatusUpdater(deps: StatusUpdaterDeps): (updates: readonly MetaStatusUpdate[]) => Promise<void> {
  return async (updates) => {
    const channelIds = new Map<string, string | null>();
    let applied = 0;
    for (const update of updates) {
      let channelId = channelIds.get(update.platformAccountId);
      if (channelId === undefined) {
        channelId = (await deps.channels.findChannel("whatsapp_cloud", update.platformAccountId))?.id ?? null;
        channelIds.set(update.platformAccountId, channelId);
      }
      if (!channelId) continue;
      const error = update.error
        ? `WhatsApp error${update.error.code !== undefined ? ` ${update.error.code}` : ""}: ${update.error.title ?? "failed"}`
        : undefined;
      if (await deps.statuses.updateOutboundStatus(channelId, update.platformMessageId, update.status, error)) applied++;
    }
    deps.logger.debug({ received: updates.length, applied }, "whatsapp status updates");
  };
}
