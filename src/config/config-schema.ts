import os from "node:os";
import { z } from "zod";
import { parseSecretKey } from "../domain/secrets/secret-box.js";

const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === "" ? undefined : v))
    .refine((v) => v === undefined || protocols.some((p) => v.startsWith(p)), {
      message: `must start with ${protocols.join(" or ")}`,
    });

function optionalText() {
  return z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === "" ? undefined : v));
}

function isSecretKey(value: string): boolean {
  try {
    parseSecretKey(value);
    return true;
  } catch {
    return false;
  }
}

const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);
const optionalInt = (min: number, max: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === undefined || v === "" ? undefined : Number(v)))
    .refine((v) => v === undefined || (Number.isInteger(v) && v >= min && v <= max), `an integer from ${min} to ${max}`);

// false (default: the peer is the client), true (trust every X-Forwarded-For hop: only when nothing
// but the proxy can reach the gateway), a number of proxy hops, or the proxies' addresses / CIDRs.
const trustProxy = z
  .string()
  .trim()
  .default("false")
  .transform((v): boolean | number | string[] => {
    if (v === "" || v === "false" || v === "0") return false;
    if (v === "true") return true;
    if (/^\d+$/.test(v)) return Number(v);
    return v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  })
  .refine(
    (v) => !Array.isArray(v) || v.every((s) => /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(s)),
    "false, true, a number of hops, or comma-separated proxy addresses / CIDRs",
  );
const flag = (def: boolean) =>
  z
    .enum(["true", "false", "1", "0"])
    .default(def ? "true" : "false")
    .transform((v) => v === "true" || v === "1");

/**
 * Every setting the system reads from the environment, with its default: the deployment's (where
 * things run, limits of the host, secrets). How the agent behaves for a business is that business's
 * settings in the database (src/domain/business-settings.ts); timings only tests and benchmarks
 * change are options of composeWorker/composeGateway (src/main/compose-options.ts).
 */
export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  HOST: z.string().default("127.0.0.1"),
  PORT: int(3000, 0, 65535),
  TRUST_PROXY: trustProxy,
  // Server limits: a slow body, an idle socket or a flood of connections cannot hold the gateway.
  HTTP_REQUEST_TIMEOUT_MS: int(30_000, 1000, 600_000),
  HTTP_CONNECTION_TIMEOUT_MS: int(60_000, 20_000, 3_600_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(72_000, 1000, 600_000),
  HTTP_MAX_REQUESTS_PER_SOCKET: int(1000, 1, 1_000_000),
  HTTP_MAX_CONNECTIONS: int(2000, 10, 1_000_000),
  // /metrics: behind a bearer token on the public listener, or on a listener of its own.
  METRICS_TOKEN: optionalText().refine((v) => v === undefined || v.length >= 16, "at least 16 characters"),
  METRICS_PORT: optionalInt(0, 65535),
  METRICS_HOST: z.string().default("127.0.0.1"),
  // Keyed hashes of personal data (web chat sender keys, erasure records): base64, 32 bytes.
  PSEUDONYM_KEY: optionalText().refine((v) => v === undefined || isSecretKey(v), "must be 32 bytes, base64-encoded (openssl rand -base64 32)"),
  WEBCHAT_POSTS_PER_MINUTE_PER_IP: int(20, 1, 100_000),
  WEBCHAT_POSTS_PER_MINUTE_PER_CHANNEL: int(600, 1, 1_000_000),
  WEBCHAT_STREAM_OPENS_PER_MINUTE_PER_IP: int(30, 1, 100_000),
  WEBCHAT_STREAM_OPENS_PER_MINUTE_PER_CHANNEL: int(1200, 1, 1_000_000),
  WEBCHAT_STREAMS_PER_SESSION: int(3, 1, 1000),
  WEBCHAT_STREAMS_PER_IP: int(20, 1, 100_000),
  WEBCHAT_PENDING_PER_ADDRESS: int(3, 1, 1_000_000),
  WEBCHAT_FANS_PER_ADDRESS: int(5, 1, 1_000_000),
  WEBCHAT_READS_PER_MINUTE_PER_IP: int(300, 1, 1_000_000),
  WEBCHAT_FRAME_ANCESTORS: z.string().trim().default("'none'"),
  WEBCHAT_ABANDONED_DAYS: int(7, 1, 3650),
  RETENTION_INTERVAL_MINUTES: int(60, 1, 10_080),
  BUSINESS_QUEUED_TURNS_MAX: int(200, 1, 1_000_000),
  CHANNELS_PER_BUSINESS_MAX: int(10, 1, 10_000),
  META_SIGNED_REQUEST_MAX_AGE_S: int(3600, 60, 7 * 86_400),
  /** Where people reach the gateway: Meta's data-deletion status link, console links sent to owners. */
  PUBLIC_BASE_URL: optionalUrl(["http://", "https://"]),
  DATABASE_URL: optionalUrl(["postgres://", "postgresql://"]),
  /** PostgreSQL itself when DATABASE_URL is a pooler in transaction mode: migrations hold a session lock. */
  DATABASE_DIRECT_URL: optionalUrl(["postgres://", "postgresql://"]),
  /** One Redis, or a cluster: redis+cluster://host:port,host:port (seed nodes). */
  REDIS_URL: optionalUrl(["redis://", "rediss://", "redis+cluster://", "rediss+cluster://"]),
  DATABASE_POOL_MAX: int(10, 1, 500),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9:_{}-]+$/, "letters, digits, : _ - { } only")
    .default("parlor"),
  DATA_DIR: z.string().default(".data"),
  MODEL_PATH: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v === "" ? undefined : v)),
  MODEL_CACHE_DIR: z.string().default(".cache/models"),
  // Where the model runs: in the worker (node-llama-cpp), or on an inference engine over the
  // OpenAI-compatible API (llama-server, vLLM, ...); MODEL_PATH then only gives its tokenizer (optional: the engine's /tokenize otherwise).
  LLM_ENGINE: z.enum(["embedded", "openai"]).default("embedded"),
  LLM_BASE_URL: optionalUrl(["http://", "https://"]),
  LLM_API_KEY: optionalText(),
  LLM_MODEL: optionalText(),
  LLM_ENGINE_SLOTS: int(0, 0, 1024),
  LLM_ENGINE_TIMEOUT_MS: int(60_000, 1000, 600_000),
  LLM_ENGINE_ATTEMPTS: int(4, 1, 20),
  // One core is left for the event loop, PostgreSQL and Redis. Measured on 2 shared cores with the
  // threadpool binding (bench/results/engines-binding-threads-{1,2}.json): 2 threads generated
  // 0.37-0.78x the tokens/s of 1 on the tiny model and 1.16-1.31x on the 1,024-wide
  // one, and our time to first token rose (45 -> 105 ms, 1,024-wide, 10 turns). Where nothing else
  // runs and a token costs more (a real model), all cores may win: set it.
  LLM_THREADS: int(Math.max(1, os.availableParallelism() - 1), 1, 256),
  LLM_CONTEXT_SIZE: int(4096, 512, 32768),
  LLM_SEQUENCES: int(2, 1, 64),
  LLM_CONTEXTS: int(1, 1, 64),
  LLM_SEED: z.coerce.number().int().optional(),
  // After a trim, erase the dropped turns from the KV cache and shift the kept ones (bench section 1).
  LLM_TRIM_SHIFT: flag(true),
  LLM_KV_CACHE_TYPE: z.enum(["F32", "F16", "BF16", "Q8_0", "Q5_1", "Q5_0", "Q4_1", "Q4_0"]).optional(),
  // Evicted conversations' KV caches (bench section 7): host RAM first (a tmpfs directory; unset
  // size = min(8 GiB, 1/4 of available memory, 3/4 of the tmpfs's free space), 0 = off), then disk
  // (default <DATA_DIR>/kv; 0 MB = off). Files grow with the model's KV size per token
  // (Llama-2-7B, F16: 0.5 MB per token), hence the caps. The maximum age applies to both tiers.
  LLM_KV_RAM_DIR: optionalText(),
  LLM_KV_RAM_MB: optionalInt(0, 1_048_576),
  LLM_KV_DISK_DIR: optionalText(),
  LLM_KV_DISK_MAX_MB: int(4096, 0, 1_048_576),
  LLM_KV_DISK_MAX_AGE_MINUTES: int(60, 1, 10_080),
  // A business's persona evaluated once and loaded into each new conversation (needs a KV tier).
  LLM_KV_PERSONA_PREFIX: flag(true),
  MAX_MESSAGE_CHARS: int(4000, 1, 100000),
  INGEST_BATCH_MAX: int(128, 1, 1000),
  INGEST_BATCHES_IN_FLIGHT: int(2, 1, 64),
  HISTORY_CHUNK_TOKENS: int(512, 32, 8192),
  TURN_LOCK_MS: int(120_000, 1000, 3_600_000),
  JOB_LOCK_MS: int(30_000, 1000, 600_000),
  SHUTDOWN_DEADLINE_MS: int(20_000, 0, 600_000),
  TURN_INTERRUPT: z.enum(["wait", "restart"]).default("wait"),
  TURN_MAX_RESTARTS: int(3, 0, 20),
  META_GRAPH_BASE_URL: z.url().default("https://graph.facebook.com"),
  META_GRAPH_VERSION: z
    .string()
    .regex(/^v\d+\.\d+$/, "like v23.0")
    .default("v23.0"),
  INSTAGRAM_GRAPH_BASE_URL: z.url().default("https://graph.instagram.com"),
  // A Graph API call not answered within this is an unknown outcome (never resent on WhatsApp/Instagram).
  META_GRAPH_TIMEOUT_MS: int(15_000, 100, 120_000),
  WHATSAPP_APP_SECRET: optionalText(),
  WHATSAPP_VERIFY_TOKEN: optionalText(),
  INSTAGRAM_APP_SECRET: optionalText(),
  INSTAGRAM_VERIFY_TOKEN: optionalText(),
  META_WEBHOOK_BODY_LIMIT_BYTES: int(1_048_576, 1024, 16 * 1_048_576),
  CHANNEL_SECRETS_KEY: optionalText().refine((v) => v === undefined || isSecretKey(v), "must be 32 bytes, base64-encoded (openssl rand -base64 32)"),
  CHROMIUM_PATH: z.string().default("/usr/bin/chromium"),
  WHATSAPP_WEB_ENABLED: flag(false),
  WHATSAPP_WEB_DATA_DIR: optionalText(),
  WHATSAPP_WEB_MIN_REPLY_INTERVAL_MS: int(1500, 0, 600_000),
  // Console sign-in: how long the session cookie an API key is exchanged for lasts.
  CONSOLE_SESSION_DAYS: int(30, 1, 365),
  // Owner alerts by Web Push: the server's VAPID key pair (base64url, as web-push generates them).
  // Unset: generated once and stored, the private key sealed with CHANNEL_SECRETS_KEY.
  WEB_PUSH_VAPID_PUBLIC_KEY: optionalText().refine(
    (v) => v === undefined || /^[A-Za-z0-9_-]{87}$/.test(v),
    "a base64url P-256 public key (87 characters)",
  ),
  WEB_PUSH_VAPID_PRIVATE_KEY: optionalText().refine(
    (v) => v === undefined || /^[A-Za-z0-9_-]{43}$/.test(v),
    "a base64url P-256 private key (43 characters)",
  ),
  // Who push services may contact about this server's pushes: mailto: or https:.
  WEB_PUSH_SUBJECT: optionalUrl(["mailto:", "https://"]),
});

export type Env = z.infer<typeof envSchema>;
