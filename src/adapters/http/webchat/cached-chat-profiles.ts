import { LRUCache } from "lru-cache";
import type { ChatProfile, ChatProfileReader } from "../../../ports/chat-profile-reader.js";

/** A channel's look and status reach pages within this long of an owner's change. */
const PROFILE_CACHE_MS = 5000;

/**
 * Chat page profiles cached per channel key, misses too: a flood of made-up keys costs one query
 * per key per PROFILE_CACHE_MS, and concurrent requests for one key share one query.
 */
export class CachedChatProfiles implements ChatProfileReader {
  private readonly cache = new LRUCache<string, { lookup: Promise<ChatProfile | null> }>({ max: 10_000, ttl: PROFILE_CACHE_MS });

  constructor(private readonly reader: ChatProfileReader) {}

  chatProfile(channelKey: string): Promise<ChatProfile | null> {
    let cached = this.cache.get(channelKey);
    if (!cached) {
      const lookup = this.reader.chatProfile(channelKey);
      const entry = { lookup };
      cached = entry;
      this.cache.set(channelKey, entry);
      lookup.catch(() => this.cache.get(channelKey) === entry && this.cache.delete(channelKey));
    }
    return cached.lookup;
  }
}
