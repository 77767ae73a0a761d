export const TURN_QUEUE = "turns";
export const OUTBOX_QUEUE = "outbox";

/** Job ids are our database ids: enqueueing the same message twice is a no-op in BullMQ. */
export const turnJobId = (messageId: string) => `turn-${messageId}`;
export const outboxJobId = (outboxId: string) => `outbox-${outboxId}`;
