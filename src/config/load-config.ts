import path from "node:path";
import type { ZodError } from "zod";
import { envSchema } from "./config-schema.js";
import { clusterQueuePrefix, isClusterUrl } from "./redis-url.js";

/** Which process is starting: each needs a different subset of settings. */
export type Role = "gateway" | "worker" | "demo" | "cli" | "test";

export interface Config {
  readonly role: Role;
  readonly env: "development" | "production" | "test";
  readonly logLevel: string;
  /** publicBaseUrl: how people reach the gateway (links Meta shows them, console links to owners); unset = from each request's host. */
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly publicBaseUrl: string | undefined;
    /** Fastify's trustProxy: false = the TCP peer is the client; else which X-Forwarded-For hops to believe. */
    readonly trustProxy: boolean | number | readonly string[];
    /** Whole request (headers and body) must arrive within this. */
    readonly requestTimeoutMs: number;
    /** A socket with no traffic either way for this long is closed (event streams send a heartbeat every 15 s). */
    readonly connectionTimeoutMs: number;
    readonly keepAliveTimeoutMs: number;
    readonly maxRequestsPerSocket: number;
    /** Connections beyond this are dropped at accept. */
    readonly maxConnections: number;
  };
  /** GET /metrics: token = bearer token required on it; port = served on its own listener (host) instead of the public one. */
  readonly metrics: { readonly token: string | undefined; readonly port: number | undefined; readonly host: string };
  /** HMAC key for pseudonyms of personal data (web chat sender keys, erasure records); undefined = none kept across restarts. */
  readonly pseudonymKey: string | undefined;
  readonly webchat: {
    readonly postsPerMinutePerIp: number;
    readonly postsPerMinutePerChannel: number;
    readonly streamOpensPerMinutePerIp: number;
    readonly streamOpensPerMinutePerChannel: number;
    readonly streamsPerSession: number;
    readonly streamsPerIp: number;
    /** Conversation reads (GET messages) per minute from one address. */
    readonly readsPerMinutePerIp: number;
    /** Messages from one address on a chat still waiting for their answer: one more is refused (429) until they are answered. */
    readonly pendingPerAddress: number;
    /** One network address gets this many fans' flood and daily allowance (the persona's limits count per session and per address). */
    readonly fansPerAddress: number;
    /** CSP frame-ancestors of the chat page: 'none', or the sites that may embed it. */
    readonly frameAncestors: string;
    /** Web chat sessions that never got a reply are deleted this long after their last message. */
    readonly abandonedAfterMs: number;
    readonly retentionIntervalMs: number;
  };
  /** Turns queued for one business beyond which its web chat answers 429. */
  readonly businessQueuedTurnsMax: number;
  readonly channelsPerBusinessMax: number;
  /** Undefined only where an embedded default may stand in (demo, cli). */
  readonly databaseUrl: string | undefined;
  /** Where migrations run: DATABASE_DIRECT_URL, else DATABASE_URL (a pooler in transaction mode cannot hold their session lock). */
  readonly migrationDatabaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  /** PostgreSQL connections per process; a request waits up to 3 s for one, then gets a 503. */
  readonly databasePoolMax: number;
  readonly queuePrefix: string;
  readonly dataDir: string;
  readonly model: {
    readonly path: string | undefined;
    /** Where it runs: in this process, or on an OpenAI-compatible engine (MODEL_PATH then gives its tokenizer; without it, the engine's /tokenize). */
    readonly engine:
      | { readonly kind: "embedded" }
      | {
          readonly kind: "openai";
          readonly baseUrl: string;
          readonly apiKey: string | undefined;
          readonly model: string;
          readonly slots: number;
          readonly timeoutMs: number;
          readonly maxAttempts: number;
        };
    readonly cacheDir: string;
    readonly threads: number;
    readonly contextSize: number;
    readonly sequences: number;
    /** llama.cpp contexts the sequences are spread over: contexts decode in parallel, each on `threads`. */
    readonly contexts: number;
    readonly seed: number | undefined;
    readonly kvCacheType: string | undefined;
    readonly trimShift: boolean;
    /**
     * Evicted conversations' KV caches kept in host RAM (tmpfs; `maxBytes` undefined = sized from
     * free memory at load) and then on disk; undefined = both off.
     */
    readonly kvTiers:
      | {
          readonly ram: { readonly dir: string; readonly maxBytes: number | undefined } | undefined;
          readonly disk: { readonly dir: string; readonly maxBytes: number } | undefined;
          readonly maxAgeMs: number;
          /** Share each persona's evaluated prefix among new conversations. */
          readonly personaPrefix: boolean;
        }
      | undefined;
    readonly historyChunkTokens: number;
  };
  readonly limits: { readonly maxMessageChars: number };
  /** Inbound messages arriving together are stored with one statement and queued with one addBulk. */
  readonly ingest: { readonly batchMax: number; readonly batchesInFlight: number };
  readonly turnLockMs: number;
  readonly reliability: {
    /** BullMQ job lock: a worker that dies loses its job to another after about this long. */
    readonly jobLockMs: number;
    /** On SIGTERM, how long to let a running turn finish before handing it back. */
    readonly shutdownDeadlineMs: number;
  };
  /** The owner console: how long a sign-in lasts, and the Web Push (VAPID) identity for owner alerts. */
  readonly console: {
    readonly sessionTtlMs: number;
    /** From config; undefined: generated once and stored sealed (needs channels.secretsKey). */
    readonly vapidKeys: { readonly publicKey: string; readonly privateKey: string } | undefined;
    readonly pushSubject: string;
  };
  readonly channels: {
    readonly graphBaseUrl: string;
    readonly graphVersion: string;
    readonly instagramGraphBaseUrl: string;
    /** A Graph API call not answered within this has an unknown outcome. */
    readonly graphTimeoutMs: number;
    /** Webhook secrets of the Meta app(s); a webhook whose secrets are unset is not served. */
    readonly whatsappWebhook: { readonly appSecret: string; readonly verifyToken: string } | undefined;
    readonly instagramWebhook: { readonly appSecret: string; readonly verifyToken: string } | undefined;
    readonly webhookBodyLimitBytes: number;
    /** A signed data-deletion request older than this (issued_at) is refused. */
    readonly signedRequestMaxAgeMs: number;
    /** Base64 key that seals channel credentials at rest. */
    readonly secretsKey: string | undefined;
    readonly whatsappWeb: { readonly enabled: boolean; readonly dataDir: string; readonly chromiumPath: string; readonly minReplyIntervalMs: number };
  };
  readonly turns: {
    /** A message arriving mid-generation waits for the next turn, or restarts this one. */
    readonly interrupt: "wait" | "restart";
    readonly maxRestarts: number;
  };
}

export class ConfigError extends Error {
  readonly code = "CONFIG_INVALID";
  constructor(readonly problems: string[]) {
    super(`Invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

const REQUIRED_BY_ROLE: Record<Role, Array<"DATABASE_URL" | "REDIS_URL" | "MODEL_PATH">> = {
  gateway: ["DATABASE_URL", "REDIS_URL"],
  worker: ["DATABASE_URL", "REDIS_URL", "MODEL_PATH"],
  demo: [],
  cli: [],
  test: [],
};

/** The one reader of the environment: validates everything, reports every problem at once, freezes the result. */
export function loadConfig(role: Role, source: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) problems.push(...formatZod(parsed.error));
  if (Boolean(source.WEB_PUSH_VAPID_PUBLIC_KEY?.trim()) !== Boolean(source.WEB_PUSH_VAPID_PRIVATE_KEY?.trim())) {
    problems.push("WEB_PUSH_VAPID_PUBLIC_KEY, WEB_PUSH_VAPID_PRIVATE_KEY: set both or neither");
  }
  for (const name of REQUIRED_BY_ROLE[role]) {
    // On an inference engine the model file only gives the tokenizer; without it the engine's /tokenize counts.
    if (name === "MODEL_PATH" && source.LLM_ENGINE?.trim() === "openai") continue;
    if (!source[name]?.trim()) problems.push(`${name}: required for the ${role}`);
  }
  for (const app of ["WHATSAPP", "INSTAGRAM"]) {
    if (Boolean(source[`${app}_APP_SECRET`]?.trim()) !== Boolean(source[`${app}_VERIFY_TOKEN`]?.trim())) {
      problems.push(`${app}_APP_SECRET and ${app}_VERIFY_TOKEN: set both or neither`);
    }
  }
  if (source.LLM_ENGINE === "openai") {
    for (const name of ["LLM_BASE_URL", "LLM_MODEL"]) if (!source[name]?.trim()) problems.push(`${name}: required with LLM_ENGINE=openai`);
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  const e = parsed.data;
  const pair = (appSecret: string | undefined, verifyToken: string | undefined) =>
    appSecret && verifyToken ? { appSecret, verifyToken } : undefined;
  return deepFreeze({
    role,
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    http: {
      host: e.HOST,
      port: e.PORT,
      publicBaseUrl: e.PUBLIC_BASE_URL,
      trustProxy: e.TRUST_PROXY,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      connectionTimeoutMs: e.HTTP_CONNECTION_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxRequestsPerSocket: e.HTTP_MAX_REQUESTS_PER_SOCKET,
      maxConnections: e.HTTP_MAX_CONNECTIONS,
    },
    metrics: { token: e.METRICS_TOKEN, port: e.METRICS_PORT, host: e.METRICS_HOST },
    pseudonymKey: e.PSEUDONYM_KEY,
    webchat: {
      postsPerMinutePerIp: e.WEBCHAT_POSTS_PER_MINUTE_PER_IP,
      postsPerMinutePerChannel: e.WEBCHAT_POSTS_PER_MINUTE_PER_CHANNEL,
      streamOpensPerMinutePerIp: e.WEBCHAT_STREAM_OPENS_PER_MINUTE_PER_IP,
      streamOpensPerMinutePerChannel: e.WEBCHAT_STREAM_OPENS_PER_MINUTE_PER_CHANNEL,
      streamsPerSession: e.WEBCHAT_STREAMS_PER_SESSION,
      streamsPerIp: e.WEBCHAT_STREAMS_PER_IP,
      readsPerMinutePerIp: e.WEBCHAT_READS_PER_MINUTE_PER_IP,
      fansPerAddress: e.WEBCHAT_FANS_PER_ADDRESS,
      pendingPerAddress: e.WEBCHAT_PENDING_PER_ADDRESS,
      frameAncestors: e.WEBCHAT_FRAME_ANCESTORS,
      abandonedAfterMs: e.WEBCHAT_ABANDONED_DAYS * 86_400_000,
      retentionIntervalMs: e.RETENTION_INTERVAL_MINUTES * 60_000,
    },
    businessQueuedTurnsMax: e.BUSINESS_QUEUED_TURNS_MAX,
    channelsPerBusinessMax: e.CHANNELS_PER_BUSINESS_MAX,
    databaseUrl: e.DATABASE_URL,
    migrationDatabaseUrl: e.DATABASE_DIRECT_URL ?? e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    queuePrefix: e.REDIS_URL && isClusterUrl(e.REDIS_URL) ? clusterQueuePrefix(e.QUEUE_PREFIX) : e.QUEUE_PREFIX,
    dataDir: path.resolve(e.DATA_DIR),
    model: {
      path: e.MODEL_PATH ? path.resolve(e.MODEL_PATH) : undefined,
      engine:
        e.LLM_ENGINE === "openai"
          ? {
              kind: "openai" as const,
              baseUrl: e.LLM_BASE_URL!,
              apiKey: e.LLM_API_KEY,
              model: e.LLM_MODEL!,
              slots: e.LLM_ENGINE_SLOTS,
              timeoutMs: e.LLM_ENGINE_TIMEOUT_MS,
              maxAttempts: e.LLM_ENGINE_ATTEMPTS,
            }
          : { kind: "embedded" as const },
      cacheDir: path.resolve(e.MODEL_CACHE_DIR),
      threads: e.LLM_THREADS,
      contextSize: e.LLM_CONTEXT_SIZE,
      sequences: e.LLM_SEQUENCES,
      contexts: e.LLM_CONTEXTS,
      seed: e.LLM_SEED,
      kvCacheType: e.LLM_KV_CACHE_TYPE,
      trimShift: e.LLM_TRIM_SHIFT,
      kvTiers: kvTiers(e),
      historyChunkTokens: e.HISTORY_CHUNK_TOKENS,
    },
    limits: { maxMessageChars: e.MAX_MESSAGE_CHARS },
    ingest: { batchMax: e.INGEST_BATCH_MAX, batchesInFlight: e.INGEST_BATCHES_IN_FLIGHT },
    turnLockMs: e.TURN_LOCK_MS,
    reliability: {
      jobLockMs: e.JOB_LOCK_MS,
      shutdownDeadlineMs: e.SHUTDOWN_DEADLINE_MS,
    },
    console: {
      sessionTtlMs: e.CONSOLE_SESSION_DAYS * 86_400_000,
      vapidKeys:
        e.WEB_PUSH_VAPID_PUBLIC_KEY && e.WEB_PUSH_VAPID_PRIVATE_KEY
          ? { publicKey: e.WEB_PUSH_VAPID_PUBLIC_KEY, privateKey: e.WEB_PUSH_VAPID_PRIVATE_KEY }
          : undefined,
      pushSubject: e.WEB_PUSH_SUBJECT ?? (e.PUBLIC_BASE_URL?.startsWith("https://") ? e.PUBLIC_BASE_URL : "mailto:owner@parlor.invalid"),
    },
    channels: {
      graphBaseUrl: e.META_GRAPH_BASE_URL,
      graphVersion: e.META_GRAPH_VERSION,
      instagramGraphBaseUrl: e.INSTAGRAM_GRAPH_BASE_URL,
      graphTimeoutMs: e.META_GRAPH_TIMEOUT_MS,
      whatsappWebhook: pair(e.WHATSAPP_APP_SECRET, e.WHATSAPP_VERIFY_TOKEN),
      instagramWebhook: pair(e.INSTAGRAM_APP_SECRET, e.INSTAGRAM_VERIFY_TOKEN),
      webhookBodyLimitBytes: e.META_WEBHOOK_BODY_LIMIT_BYTES,
      signedRequestMaxAgeMs: e.META_SIGNED_REQUEST_MAX_AGE_S * 1000,
      secretsKey: e.CHANNEL_SECRETS_KEY,
      whatsappWeb: {
        enabled: e.WHATSAPP_WEB_ENABLED,
        dataDir: path.resolve(e.WHATSAPP_WEB_DATA_DIR ?? path.join(e.DATA_DIR, "wwebjs")),
        chromiumPath: e.CHROMIUM_PATH,
        minReplyIntervalMs: e.WHATSAPP_WEB_MIN_REPLY_INTERVAL_MS,
      },
    },
    turns: { interrupt: e.TURN_INTERRUPT, maxRestarts: e.TURN_MAX_RESTARTS },
  });
}

function formatZod(error: ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
}

function deepFreeze<T extends object>(value: T): T {
  for (const v of Object.values(value)) if (v && typeof v === "object") deepFreeze(v as object);
  return Object.freeze(value);
}

/** The base of links sent to people outside a request (owner notices): PUBLIC_BASE_URL, else HOST:PORT. */
export function linkBaseUrl(http: Config["http"]): string {
  const host = http.host.includes(":") ? `[${http.host}]` : http.host;
  return (http.publicBaseUrl ?? `http://${host}:${http.port}`).replace(/\/+$/, "");
}

/** The RAM tier's default directory is per user: /dev/shm is shared by everyone on the machine. */
function kvTiers(e: {
  LLM_KV_RAM_DIR?: string | undefined;
  LLM_KV_RAM_MB?: number | undefined;
  LLM_KV_DISK_DIR?: string | undefined;
  LLM_KV_DISK_MAX_MB: number;
  LLM_KV_DISK_MAX_AGE_MINUTES: number;
  LLM_KV_PERSONA_PREFIX: boolean;
  DATA_DIR: string;
}): Config["model"]["kvTiers"] {
  const ram =
    e.LLM_KV_RAM_MB === 0
      ? undefined
      : {
          dir: path.resolve(e.LLM_KV_RAM_DIR ?? `/dev/shm/parlor-kv-${process.getuid?.() ?? 0}`),
          maxBytes: e.LLM_KV_RAM_MB === undefined ? undefined : e.LLM_KV_RAM_MB * 2 ** 20,
        };
  const disk =
    e.LLM_KV_DISK_MAX_MB === 0
      ? undefined
      : { dir: path.resolve(e.LLM_KV_DISK_DIR ?? path.join(e.DATA_DIR, "kv")), maxBytes: e.LLM_KV_DISK_MAX_MB * 2 ** 20 };
  return ram || disk ? { ram, disk, maxAgeMs: e.LLM_KV_DISK_MAX_AGE_MINUTES * 60_000, personaPrefix: e.LLM_KV_PERSONA_PREFIX } : undefined;
}
