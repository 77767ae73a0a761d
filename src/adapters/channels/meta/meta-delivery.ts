import type { OutboundDelivery } from "../../../ports/channel-adapter.js";

/** Meta channels use OutboundDelivery's optional inboundPlatformMessageId and lastInboundAt. */
export type MetaDelivery = OutboundDelivery;
