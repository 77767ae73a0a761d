import type { RedisClient } from "./redis-connection.js";
import { RedisFanout } from "./redis-fanout.js";

// Erasure happens in a gateway; the model state of a conversation (KV cache in memory, a saved
// state on disk) lives in whichever worker served it. This channel tells every worker.

export const erasedConversationsChannel = (prefix: string) => `${prefix}:erased-conversations`;

export async function announceErasedConversations(redis: RedisClient, prefix: string, conversationIds: readonly string[]): Promise<void> {
  if (conversationIds.length > 0) await redis.publish(erasedConversationsChannel(prefix), JSON.stringify({ conversationIds }));
}

/** Calls `onErased` for every conversation a gateway erased; returns the unsubscribe. */
export function listenForErasedConversations(
  subscriber: RedisClient,
  prefix: string,
  onErased: (conversationId: string) => void,
): Promise<() => Promise<void>> {
  return new RedisFanout<{ conversationIds?: unknown }>(subscriber).listen(erasedConversationsChannel(prefix), (event) => {
    if (!Array.isArray(event.conversationIds)) return;
    for (const id of event.conversationIds) if (typeof id === "string") onErased(id);
  });
}
