import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/index.js";

describe("loadConfig", () => {
  it("gives the demo working defaults with nothing set", () => {
    const config = loadConfig("demo", {});
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.model.contextSize).toBe(4096);
    expect(config.model.threads).toBeGreaterThanOrEqual(1);
    expect(Object.isFrozen(config.model)).toBe(true);
  });

  it("reports every problem at once", () => {
    let error: unknown;
    try {
      loadConfig("worker", { PORT: "99999", REDIS_URL: "http://nope", LLM_TEMPERATURE: "hot" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join("\n");
    for (const name of ["PORT", "REDIS_URL", "LLM_TEMPERATURE", "DATABASE_URL", "MODEL_PATH"]) expect(problems).toContain(name);
  });

  it("requires DATABASE_URL and REDIS_URL for the gateway but not a model", () => {
    expect(() => loadConfig("gateway", { DATABASE_URL: "postgresql://x@h/db", REDIS_URL: "redis://h:6379" })).not.toThrow();
    expect(() => loadConfig("gateway", {})).toThrowError(/DATABASE_URL[\s\S]*REDIS_URL/);
  });
});
