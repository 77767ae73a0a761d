import type { OutboundStatus } from "../domain/outbound-status.js";

/** Platform receipts applied to the replies we stored. */
export interface OutboundStatusStore {
  /**
   * Moves the reply the platform knows by this id forward to `status` (never back); false when no
   * reply of the channel matched or it is already further along.
   */
  updateOutboundStatus(channelId: string, platformMessageId: string, status: OutboundStatus, error?: string): Promise<boolean>;
}
