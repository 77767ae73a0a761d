import { loadConfig, type Config } from "../src/config/index.js";
import type { BusinessSettings } from "../src/domain/business-settings.js";
import type { Db } from "../src/adapters/storage/create-db.js";
import { TEST_REDIS_URL } from "./test-env.js";

/** A config as the processes build it, from an explicit environment (never the ambient one). */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig("test", {
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    REDIS_URL: TEST_REDIS_URL,
    LLM_THREADS: "2",
    LLM_SEQUENCES: "2",
    // Every test posts from 127.0.0.1: the web chat's limits per address are the abuse suite's
    // subject (test/integration/abuse-*.test.ts), which sets them back to the defaults.
    WEBCHAT_POSTS_PER_MINUTE_PER_IP: "100000",
    WEBCHAT_POSTS_PER_MINUTE_PER_CHANNEL: "100000",
    WEBCHAT_STREAM_OPENS_PER_MINUTE_PER_IP: "100000",
    WEBCHAT_STREAM_OPENS_PER_MINUTE_PER_CHANNEL: "100000",
    WEBCHAT_READS_PER_MINUTE_PER_IP: "100000",
    WEBCHAT_STREAMS_PER_IP: "10000",
    WEBCHAT_FANS_PER_ADDRESS: "100000",
    WEBCHAT_PENDING_PER_ADDRESS: "100000",
    BUSINESS_QUEUED_TURNS_MAX: "100000",
    ...overrides,
  });
}

/** The web chat's limits as production has them by default (testConfig lifts them for everything else). */
export function defaultWebchatLimitsEnv(): Record<string, string> {
  const d = loadConfig("test", {});
  return {
    WEBCHAT_POSTS_PER_MINUTE_PER_IP: String(d.webchat.postsPerMinutePerIp),
    WEBCHAT_POSTS_PER_MINUTE_PER_CHANNEL: String(d.webchat.postsPerMinutePerChannel),
    WEBCHAT_STREAM_OPENS_PER_MINUTE_PER_IP: String(d.webchat.streamOpensPerMinutePerIp),
    WEBCHAT_STREAM_OPENS_PER_MINUTE_PER_CHANNEL: String(d.webchat.streamOpensPerMinutePerChannel),
    WEBCHAT_READS_PER_MINUTE_PER_IP: String(d.webchat.readsPerMinutePerIp),
    WEBCHAT_STREAMS_PER_IP: String(d.webchat.streamsPerIp),
    WEBCHAT_FANS_PER_ADDRESS: String(d.webchat.fansPerAddress),
    WEBCHAT_PENDING_PER_ADDRESS: String(d.webchat.pendingPerAddress),
    BUSINESS_QUEUED_TURNS_MAX: String(d.businessQueuedTurnsMax),
  };
}

/** The test businesses' settings: replies short and deterministic on the tiny model, turns at once. */
export const TEST_BUSINESS_SETTINGS: Partial<BusinessSettings> = { replyMaxTokens: 24, turnDebounceMs: 0, temperature: 0 };

/** Changes some of a business's settings in place, as the console does (the next turn reads them). */
export async function updateBusinessSettings(db: Db, slug: string, changes: Partial<BusinessSettings>): Promise<void> {
  const { settings } = await db.business.findUniqueOrThrow({ where: { slug }, select: { settings: true } });
  await db.business.update({ where: { slug }, data: { settings: { ...(settings as object), ...changes } } });
}
