import fastifyRateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { Cluster, Redis } from "ioredis";
import { LRUCache } from "lru-cache";
import { z } from "zod";
import { countChars, DISPLAY_NAME_MAX_CHARS } from "../../../domain/message-text.js";
import { InputError, LimitError } from "../../../domain/errors.js";
import type { InboundMessage } from "../../../domain/inbound-message.js";
import type { ChannelAdapter } from "../../../ports/channel-adapter.js";
import type { WebchatEvent } from "../../../ports/webchat-event.js";
import type { ChatProfile, ChatProfileReader } from "../../../ports/chat-profile-reader.js";
import type { ConversationReader } from "../../../ports/conversation-reader.js";
import type { ChannelRef, InboundStore, StoredInbound } from "../../../ports/inbound-store.js";
import type { Pseudonyms } from "../../../domain/secrets/pseudonyms.js";
import { useZodSchemas } from "../zod-validation.js";
import { AdmissionCap } from "./admission-cap.js";
import { messageJson, type ConversationStreams } from "./conversation-streams.js";
import { clientAddress, OpenStreamCounts, WebchatRateLimits, type WebchatLimitSettings } from "./webchat-limits.js";

export interface WebchatRouteDeps {
  readonly adapter: Pick<ChannelAdapter<WebchatEvent>, "toInbound">;
  readonly accept: (message: InboundMessage) => Promise<StoredInbound>;
  readonly channels: Pick<InboundStore, "findChannel">;
  readonly reader: ConversationReader;
  /** The event streams of this gateway, one fan-out per conversation. */
  readonly streams: ConversationStreams;
  readonly limits: WebchatLimitSettings;
  /** Where the rate-limit counters live (shared by every gateway); absent: in this process. */
  readonly rateLimitStore?: { readonly redis: Redis | Cluster; readonly prefix: string };
  /** Turns queued for a business and not finished (for the per-business cap). */
  readonly queuedTurns: (businessId: string) => Promise<number>;
  /** Pseudonyms of the visitors' addresses (sender keys). */
  readonly pseudonyms: Pseudonyms;
  /** What a chat page shows of its business (GET .../profile); absent: not served. */
  readonly profiles?: ChatProfileReader;
}

/** Where a page sends its session id for reads and streams: a header, so it stays out of URLs (and so out of proxy logs and referrers). */
export const SESSION_HEADER = "x-webchat-session";

const channelKey = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, "letters, digits, _ and - (1-100)");
const sessionId = z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, "16-128 letters, digits, _ or -");
const keyParams = z.object({ channelKey });
const sessionParams = z.object({ channelKey, sessionId });
const postBody = z.object({
  sessionId,
  clientMessageId: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, "1-128 letters, digits or _.:-"),
  text: z.string({ error: "text must be a string" }),
  name: z
    .string()
    .trim()
    .refine((name) => countChars(name) <= DISPLAY_NAME_MAX_CHARS, `at most ${DISPLAY_NAME_MAX_CHARS} characters`)
    .optional(),
});
const afterQuery = z.object({ after: z.coerce.number().int().min(0).default(0) });

const PAGE_SIZE = 200;
/** Messages waiting longer than this no longer count against their address (a turn that failed, a reconcile pending). */
const PENDING_WINDOW_MS = 10 * 60_000;
const PENDING_RETRY_S = 2;
/** A queue-full answer's Retry-After: about the time a worker takes for a few turns. */
const QUEUE_FULL_RETRY_S = 30;
const businessBusy = () =>
  new LimitError("BUSINESS_BUSY", "this chat has too many messages waiting for an answer; try again shortly", QUEUE_FULL_RETRY_S);
const waitForAnswer = (max: number) =>
  new LimitError(
    "WAIT_FOR_ANSWER",
    `${max} messages from this address are still waiting for an answer; send again once they are answered`,
    PENDING_RETRY_S,
  );
/** Channel lookups are cached this long: a channel switched off stops taking reads and streams within it (posts at once). */
const CHANNEL_CACHE_MS = 5000;

/**
 * The built-in web chat's API: post a message, read the conversation, stream new messages (SSE).
 * Everyone can reach it, so every route is limited per address and per chat (shared by all
 * gateways through RedisClient), event streams are capped per session and per address, and a business
 * with too many turns waiting gets 429 instead of a longer queue.
 */
export function registerWebchatRoutes(app: FastifyInstance, deps: WebchatRouteDeps): void {
  void app.register(fastifyRateLimit, {
    global: false,
    skipOnError: true, // Redis down: posts fail at the queue (503) anyway; reads and streams keep working
    ...(deps.rateLimitStore ? { redis: deps.rateLimitStore.redis, nameSpace: `${deps.rateLimitStore.prefix}:rate:` } : {}),
  });
  void app.register(async (scope) => {
    useZodSchemas(scope);
    registerRoutes(scope, deps);
  });
}

function registerRoutes(scope: FastifyInstance, deps: WebchatRouteDeps): void {
  const routes = scope.withTypeProvider<ZodTypeProvider>();
  const limits = new WebchatRateLimits(scope, deps.limits);
  const openStreams = new OpenStreamCounts(deps.limits);
  // The lookup itself is cached, so concurrent requests share one query and go on in the order they came.
  const channelCache = new LRUCache<string, { lookup: Promise<ChannelRef | null> }>({ max: 10_000, ttl: CHANNEL_CACHE_MS });
  const findChannel = async (key: string): Promise<ChannelRef> => {
    let cached = channelCache.get(key);
    if (!cached) {
      const lookup = deps.channels.findChannel("webchat", key);
      cached = { lookup };
      channelCache.set(key, cached);
      lookup.catch(() => channelCache.get(key) === cached && channelCache.delete(key));
    }
    const channel = await cached.lookup;
    if (!channel?.enabled) throw new InputError("UNKNOWN_CHANNEL", `no active webchat channel ${key}`, 404);
    return channel;
  };
  const findConversation = async (key: string, session: string) => deps.reader.findConversationId((await findChannel(key)).id, session);

  // A session's posts are checked and handed to ingest one after the other, in the order they
  // came: the checks wait on Redis and PostgreSQL, and two messages sent together must still be
  // stored in the order they were sent.
  const inOrder = new SessionOrder();
  // Posts checked at once count each other (per gateway), or thirty of them pass on one reading.
  const admission = new AdmissionCap();

  const post = { schema: { params: keyParams, body: postBody } };
  routes.post("/api/webchat/:channelKey/messages", { ...post, onRequest: [limits.postByAddress, limits.postByChannel] }, async (request, reply) => {
    const { channelKey: key } = request.params;
    const body = request.body;
    const { stored } = await inOrder.run(`${key}:${body.sessionId}`, async () => {
      const channel = await findChannel(key);
      const { businessId } = channel;
      const senderKey = deps.pseudonyms.of("webchat-sender", `${key}|${clientAddress(request)}`);
      // The queue unreachable: the post's own enqueue answers that, with a clearer error.
      const releaseQueued = await admission.admit(
        `business:${businessId}`,
        () => deps.queuedTurns(businessId).catch(() => 0),
        deps.limits.businessQueuedTurnsMax,
        businessBusy,
      );
      let releaseSender = () => {};
      const release = () => (releaseQueued(), releaseSender());
      try {
        // One address's messages waiting for an answer: a flood from new session ids queues a few turns, not hundreds.
        const pendingMax = deps.limits.pendingPerAddress;
        releaseSender = await admission.admit(
          `sender:${channel.id}:${senderKey}`,
          () => deps.reader.pendingFromSender(channel.id, senderKey, PENDING_WINDOW_MS, pendingMax),
          pendingMax,
          () => waitForAnswer(pendingMax),
        );
        const [message] = deps.adapter.toInbound({ channelKey: key, ...body, senderKey });
        // Handed over now, awaited outside: the next post of the session need not wait for the storage.
        const stored = deps.accept(message!);
        void stored.then(release, release);
        return { stored };
      } catch (error) {
        release();
        throw error;
      }
    });
    const result = await stored;
    return reply.status(result.duplicate ? 200 : 202).send({
      messageId: result.messageId,
      duplicate: result.duplicate,
      status: result.answered ? "answered" : "queued",
    });
  });

  const listMessages = async (key: string, session: string, after: number) => {
    const conversationId = await findConversation(key, session);
    const messages = conversationId ? await deps.reader.listMessages(conversationId, after, PAGE_SIZE) : [];
    return { messages: messages.map(messageJson) };
  };

  const openStream = async (request: FastifyRequest, reply: FastifyReply, key: string, session: string, afterQuery: number) => {
    // Registered before anything is awaited: a client that resets meanwhile is noticed.
    let gone = false;
    reply.raw.once("close", () => (gone = true));
    const conversationId = await findConversation(key, session);
    if (!conversationId) throw new InputError("NO_CONVERSATION", "this session has not sent a message yet", 404);
    const lastEventId = Number(request.headers["last-event-id"]);
    const after = Number.isFinite(lastEventId) && lastEventId >= 0 ? lastEventId : afterQuery;
    const release = openStreams.acquire(`${key}:${session}`, clientAddress(request));
    reply.hijack();
    if (gone || reply.raw.destroyed) return release();
    deps.streams.open(conversationId, reply.raw, after, release);
  };

  const byKey = { schema: { params: keyParams, querystring: afterQuery } };
  routes.get("/api/webchat/:channelKey/messages", { ...byKey, onRequest: limits.readByAddress }, async (request) =>
    listMessages(request.params.channelKey, sessionFromHeader(request), request.query.after),
  );
  routes.get("/api/webchat/:channelKey/events", { ...byKey, onRequest: [limits.streamByAddress, limits.streamByChannel] }, async (request, reply) => {
    await openStream(request, reply, request.params.channelKey, sessionFromHeader(request), request.query.after);
  });

  const profiles = deps.profiles;
  if (profiles) {
    routes.get("/api/webchat/:channelKey/profile", { schema: { params: keyParams }, onRequest: limits.readByAddress }, async (request, reply) => {
      const { channelKey: key } = request.params;
      const profile = await profiles.chatProfile(key);
      if (!profile) throw new InputError("UNKNOWN_CHANNEL", "This chat does not exist. Check the link you were given.", 404);
      // Public facts the widget on the business's own site reads (colour, name) from another origin.
      return reply.header("access-control-allow-origin", "*").header("cache-control", "no-cache").send(profileJson(profile));
    });
  }

  // The first form, with the session id in the path: kept for clients that cannot send a header
  // (EventSource); the chat page and the terminal chat use the ones above.
  const bySession = { schema: { params: sessionParams, querystring: afterQuery } };
  routes.get("/api/webchat/:channelKey/sessions/:sessionId/messages", { ...bySession, onRequest: limits.readByAddress }, async (request) =>
    listMessages(request.params.channelKey, request.params.sessionId, request.query.after),
  );
  routes.get(
    "/api/webchat/:channelKey/sessions/:sessionId/events",
    { ...bySession, onRequest: [limits.streamByAddress, limits.streamByChannel] },
    async (request, reply) => {
      await openStream(request, reply, request.params.channelKey, request.params.sessionId, request.query.after);
    },
  );
}

/** What a visitor's page may know: not the sites list (that is for the page's headers). */
function profileJson(p: ChatProfile) {
  return {
    businessName: p.businessName,
    agentName: p.agentName,
    disclosure: p.disclosure,
    personaKind: p.personaKind,
    color: p.color,
    logoUrl: p.logoUrl,
    open: p.open,
  };
}

function sessionFromHeader(request: FastifyRequest): string {
  const parsed = sessionId.safeParse(request.headers[SESSION_HEADER]);
  if (!parsed.success) throw new InputError("INVALID_REQUEST", `header ${SESSION_HEADER}: the session id, 16-128 letters, digits, _ or -`, 400);
  return parsed.data;
}

/** Runs tasks of one key one after the other, in the order they were given; keys run independently. */
class SessionOrder {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
