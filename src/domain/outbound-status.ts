/** How far a reply we sent has got, as the platform reports it. */
export type OutboundStatus = "sent" | "delivered" | "read" | "failed";
