import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/index.js";
import { parseClusterUrl } from "../../src/adapters/queue/redis-connection.js";

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
      loadConfig("worker", { PORT: "99999", REDIS_URL: "http://nope", LLM_CONTEXT_SIZE: "huge" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join("\n");
    for (const name of ["PORT", "REDIS_URL", "LLM_CONTEXT_SIZE", "DATABASE_URL", "MODEL_PATH"]) expect(problems).toContain(name);
  });

  it("takes a Redis Cluster as REDIS_URL, and makes the queue prefix a hash tag so every key is in one slot", () => {
    const config = loadConfig("gateway", {
      DATABASE_URL: "postgresql://x@h/db",
      REDIS_URL: "redis+cluster://10.0.0.1:7000,10.0.0.2:7000",
      QUEUE_PREFIX: "parlor",
    });
    expect(config.queuePrefix).toBe("{parlor}");
    expect(
      loadConfig("gateway", { DATABASE_URL: "postgresql://x@h/db", REDIS_URL: "redis+cluster://h:7000", QUEUE_PREFIX: "{shop}:eu" }).queuePrefix,
    ).toBe("{shop}:eu");
    expect(loadConfig("gateway", { DATABASE_URL: "postgresql://x@h/db", REDIS_URL: "redis://h:6379", QUEUE_PREFIX: "parlor" }).queuePrefix).toBe(
      "parlor",
    );
    expect(parseClusterUrl("rediss+cluster://app:s%40cret@10.0.0.1:7000,[::1]:7001,cache,[::2]")).toEqual({
      nodes: [
        { host: "10.0.0.1", port: 7000 },
        { host: "::1", port: 7001 },
        { host: "cache", port: 6379 },
        { host: "::2", port: 6379 },
      ],
      username: "app",
      password: "s@cret",
      tls: true,
    });
    expect(() => parseClusterUrl("redis+cluster://h:99999")).toThrow(/host:port/);
  });

  it("LLM_ENGINE=openai needs the engine's address and model name, and keeps the key out of the rest", () => {
    const base = { DATABASE_URL: "postgresql://x@h/db", REDIS_URL: "redis://h:6379", MODEL_PATH: "models/m.gguf" };
    expect(() => loadConfig("worker", { ...base, LLM_ENGINE: "openai" })).toThrowError(/LLM_BASE_URL[\s\S]*LLM_MODEL/);
    const config = loadConfig("worker", {
      ...base,
      LLM_ENGINE: "openai",
      LLM_BASE_URL: "http://llama:8080",
      LLM_MODEL: "llama-2-7b-chat",
      LLM_API_KEY: "sk-test",
      LLM_ENGINE_SLOTS: "4",
    });
    expect(config.model.engine).toMatchObject({
      kind: "openai",
      baseUrl: "http://llama:8080",
      model: "llama-2-7b-chat",
      apiKey: "sk-test",
      slots: 4,
    });
    expect(loadConfig("worker", base).model.engine).toEqual({ kind: "embedded" });
    // On an engine the model file only gives a local tokenizer: without it the engine counts.
    const { MODEL_PATH: _, ...noModel } = base;
    const onEngine = loadConfig("worker", {
      ...noModel,
      LLM_ENGINE: "openai",
      LLM_BASE_URL: "http://vllm:8000",
      LLM_MODEL: "meta-llama/Llama-2-7b-chat-hf",
    });
    expect(onEngine.model.path).toBeUndefined();
    expect(() => loadConfig("worker", noModel)).toThrowError(/MODEL_PATH: required for the worker/);
  });

  it("runs migrations on DATABASE_DIRECT_URL when the app goes through a pooler, else on DATABASE_URL", () => {
    const pooled = loadConfig("cli", {
      DATABASE_URL: "postgresql://u@pgbouncer:6432/parlor",
      DATABASE_DIRECT_URL: "postgresql://u@postgres:5432/parlor",
    });
    expect(pooled.databaseUrl).toBe("postgresql://u@pgbouncer:6432/parlor");
    expect(pooled.migrationDatabaseUrl).toBe("postgresql://u@postgres:5432/parlor");
    expect(loadConfig("cli", { DATABASE_URL: "postgresql://u@postgres:5432/parlor" }).migrationDatabaseUrl).toBe(
      "postgresql://u@postgres:5432/parlor",
    );
  });

  it("requires DATABASE_URL and REDIS_URL for the gateway but not a model", () => {
    expect(() => loadConfig("gateway", { DATABASE_URL: "postgresql://x@h/db", REDIS_URL: "redis://h:6379" })).not.toThrow();
    expect(() => loadConfig("gateway", {})).toThrowError(/DATABASE_URL[\s\S]*REDIS_URL/);
  });

  it("keeps evicted KV caches in host RAM and then on disk by default, each tier capped, both aged out", () => {
    const defaults = loadConfig("demo", { DATA_DIR: "/srv/parlor" }).model.kvTiers;
    expect(defaults).toEqual({
      ram: { dir: `/dev/shm/parlor-kv-${process.getuid?.() ?? 0}`, maxBytes: undefined },
      disk: { dir: "/srv/parlor/kv", maxBytes: 4096 * 2 ** 20 },
      maxAgeMs: 60 * 60_000,
      personaPrefix: true,
    });
    const set = loadConfig("demo", {
      LLM_KV_RAM_DIR: "/run/kv",
      LLM_KV_RAM_MB: "256",
      LLM_KV_DISK_DIR: ".data/kv",
      LLM_KV_DISK_MAX_MB: "512",
      LLM_KV_DISK_MAX_AGE_MINUTES: "30",
      LLM_KV_PERSONA_PREFIX: "false",
    }).model.kvTiers;
    expect(set).toEqual({
      ram: { dir: "/run/kv", maxBytes: 256 * 2 ** 20 },
      disk: { dir: path.resolve(".data/kv"), maxBytes: 512 * 2 ** 20 },
      maxAgeMs: 30 * 60_000,
      personaPrefix: false,
    });
    // 0 MB turns a tier off; both off = no saved KV at all.
    expect(loadConfig("demo", { LLM_KV_RAM_MB: "0" }).model.kvTiers?.ram).toBeUndefined();
    expect(loadConfig("demo", { LLM_KV_DISK_MAX_MB: "0" }).model.kvTiers?.disk).toBeUndefined();
    expect(loadConfig("demo", { LLM_KV_RAM_MB: "0", LLM_KV_DISK_MAX_MB: "0" }).model.kvTiers).toBeUndefined();
    // A negative cap or a non-number is refused rather than read as "no cap".
    expect(() => loadConfig("demo", { LLM_KV_DISK_MAX_MB: "-1" })).toThrowError(/LLM_KV_DISK_MAX_MB/);
    expect(() => loadConfig("demo", { LLM_KV_RAM_MB: "lots" })).toThrowError(/LLM_KV_RAM_MB/);
    expect(() => loadConfig("demo", { LLM_KV_DISK_MAX_AGE_MINUTES: "soon" })).toThrowError(/LLM_KV_DISK_MAX_AGE_MINUTES/);
  });

  it("bounds a Graph API call by META_GRAPH_TIMEOUT_MS (15 s unless set)", () => {
    expect(
      loadConfig("worker", { DATABASE_URL: "postgresql://x@h/db", REDIS_URL: "redis://h:6379", MODEL_PATH: "m.gguf" }).channels.graphTimeoutMs,
    ).toBe(15_000);
    expect(loadConfig("demo", { META_GRAPH_TIMEOUT_MS: "1500" }).channels.graphTimeoutMs).toBe(1500);
    expect(() => loadConfig("demo", { META_GRAPH_TIMEOUT_MS: "0" })).toThrowError(/META_GRAPH_TIMEOUT_MS/);
  });

  it("trusts no proxy unless TRUST_PROXY says so, and reads hops or addresses", () => {
    expect(loadConfig("demo", {}).http.trustProxy).toBe(false);
    expect(loadConfig("demo", { TRUST_PROXY: "true" }).http.trustProxy).toBe(true);
    expect(loadConfig("demo", { TRUST_PROXY: "1" }).http.trustProxy).toBe(1);
    expect(loadConfig("demo", { TRUST_PROXY: "10.0.0.0/8, 127.0.0.1" }).http.trustProxy).toEqual(["10.0.0.0/8", "127.0.0.1"]);
    expect(() => loadConfig("demo", { TRUST_PROXY: "yes please" })).toThrowError(/TRUST_PROXY/);
  });

  it("sets the public surface's limits, and refuses a short metrics token or a bad pseudonym key", () => {
    const c = loadConfig("demo", {});
    expect(c.http).toMatchObject({ requestTimeoutMs: 30_000, maxConnections: 2000 });
    expect(c.metrics).toEqual({ token: undefined, port: undefined, host: "127.0.0.1" });
    expect(c.webchat).toMatchObject({ postsPerMinutePerIp: 20, pendingPerAddress: 3, streamsPerSession: 3, abandonedAfterMs: 7 * 86_400_000 });
    expect(loadConfig("demo", { METRICS_PORT: "9464" }).metrics.port).toBe(9464);
    expect(() => loadConfig("demo", { METRICS_TOKEN: "short" })).toThrowError(/METRICS_TOKEN/);
    expect(() => loadConfig("demo", { PSEUDONYM_KEY: "not-a-key" })).toThrowError(/PSEUDONYM_KEY/);
    expect(() => loadConfig("demo", { HTTP_CONNECTION_TIMEOUT_MS: "5000" })).toThrowError(/HTTP_CONNECTION_TIMEOUT_MS/);
  });
});
