import { loadConfig, type Config } from "../../src/config/index.js";
import { TEST_REDIS_URL } from "./test-env.js";

/** A config as the processes build it, from an explicit environment (never the ambient one). */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig("test", {
    NODE_ENV: "test",
    LOG_LEVEL: "silent",
    REDIS_URL: TEST_REDIS_URL,
    LLM_THREADS: "2",
    LLM_SEQUENCES: "2",
    LLM_TEMPERATURE: "0",
    TURN_DEBOUNCE_MS: "0",
    REPLY_MAX_TOKENS: "24",
    ...overrides,
  });
}
