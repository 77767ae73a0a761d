import type { FastifyInstance, FastifyRequest } from "fastify";
import { normalizeIP } from "@fastify/rate-limit";
import { LimitError } from "../../../domain/errors.js";

/** The web chat's rate limits and quotas (config webchat.* and businessQueuedTurnsMax). */
export interface WebchatLimitSettings {
  readonly postsPerMinutePerIp: number;
  readonly postsPerMinutePerChannel: number;
  readonly streamOpensPerMinutePerIp: number;
  readonly streamOpensPerMinutePerChannel: number;
  readonly readsPerMinutePerIp: number;
  readonly streamsPerSession: number;
  readonly streamsPerIp: number;
  readonly businessQueuedTurnsMax: number;
  /** Unanswered messages one address may have waiting on a chat. */
  readonly pendingPerAddress: number;
}

/**
 * The client's network address as limits count it: the TCP peer, or what X-Forwarded-For says
 * when TRUST_PROXY trusts the proxy in front; IPv6 addresses by their /64, which one subscriber
 * usually holds whole.
 */
export function clientAddress(request: FastifyRequest): string {
  return normalizeIP(request.ip, 64);
}

type Check = (request: FastifyRequest) => Promise<void>;

const MINUTE_MS = 60_000;

/**
 * Request rate limits over @fastify/rate-limit's store (Redis when given, so every gateway counts
 * together; in memory otherwise). Each check answers 429 with Retry-After through a LimitError.
 * The plugin's own route hook runs one limit per request; the web chat needs two (address and
 * channel), hence createRateLimit with keys of their own.
 */
export class WebchatRateLimits {
  readonly postByAddress: Check;
  readonly postByChannel: Check;
  readonly streamByAddress: Check;
  readonly streamByChannel: Check;
  readonly readByAddress: Check;

  constructor(scope: FastifyInstance, settings: WebchatLimitSettings) {
    const limit = (name: string, max: number, key: (request: FastifyRequest) => string, code: string, what: string): Check => {
      const check = scope.createRateLimit({ max, timeWindow: MINUTE_MS, keyGenerator: (request) => `${name}:${key(request)}` });
      return async (request) => {
        const result = await check(request);
        if (!result.isAllowed && result.isExceeded)
          throw new LimitError(code, `${what}: at most ${max} a minute; try again later`, result.ttlInSeconds);
      };
    };
    const channel = (request: FastifyRequest) => String((request.params as { channelKey?: unknown }).channelKey ?? "");
    this.postByAddress = limit("post-ip", settings.postsPerMinutePerIp, clientAddress, "RATE_LIMITED", "messages from this address");
    this.postByChannel = limit("post-ch", settings.postsPerMinutePerChannel, channel, "CHANNEL_BUSY", "messages to this chat");
    this.streamByAddress = limit(
      "stream-ip",
      settings.streamOpensPerMinutePerIp,
      clientAddress,
      "RATE_LIMITED",
      "event streams opened from this address",
    );
    this.streamByChannel = limit("stream-ch", settings.streamOpensPerMinutePerChannel, channel, "CHANNEL_BUSY", "event streams opened on this chat");
    this.readByAddress = limit("read-ip", settings.readsPerMinutePerIp, clientAddress, "RATE_LIMITED", "conversation reads from this address");
  }
}

/**
 * Open event streams on this gateway per session and per address: a stream over either cap is
 * refused (429) before it is opened. `release` is called when the stream ends.
 */
export class OpenStreamCounts {
  private readonly bySession = new Map<string, number>();
  private readonly byAddress = new Map<string, number>();

  constructor(private readonly settings: Pick<WebchatLimitSettings, "streamsPerSession" | "streamsPerIp">) {}

  /** Takes a slot for a new stream or throws; the returned function gives it back (once). */
  acquire(session: string, address: string): () => void {
    if ((this.bySession.get(session) ?? 0) >= this.settings.streamsPerSession) {
      throw new LimitError("TOO_MANY_STREAMS", `this session already has ${this.settings.streamsPerSession} open event streams`, 5);
    }
    if ((this.byAddress.get(address) ?? 0) >= this.settings.streamsPerIp) {
      throw new LimitError("TOO_MANY_STREAMS", `this address already has ${this.settings.streamsPerIp} open event streams`, 5);
    }
    increment(this.bySession, session, 1);
    increment(this.byAddress, address, 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      increment(this.bySession, session, -1);
      increment(this.byAddress, address, -1);
    };
  }

  /** Sessions and addresses holding a slot (both 0 when no stream is open). */
  size(): { sessions: number; addresses: number } {
    return { sessions: this.bySession.size, addresses: this.byAddress.size };
  }
}

function increment(map: Map<string, number>, key: string, by: number): void {
  const next = (map.get(key) ?? 0) + by;
  if (next <= 0) map.delete(key);
  else map.set(key, next);
}
