import Fastify, { type FastifyInstance } from "fastify";
import type { Config } from "../../config/index.js";
import type { ChatProfileReader } from "../../ports/chat-profile-reader.js";
import type { Logger } from "../../ports/logger.js";
import { registerChatPageRoutes } from "./chat-page-routes.js";
import { registerConsoleRoutes } from "./console/console-routes.js";
import { installErrorHandler } from "./error-handler.js";
import { registerHealthRoutes, type ReadinessCheck } from "./health-routes.js";
import { registerMetaDataDeletionRoutes, type MetaDataDeletionRouteDeps } from "./meta-data-deletion-routes.js";
import { registerMetricsRoutes, type MetricsRouteOptions } from "./metrics/metrics-routes.js";
import { readRejectedBodies } from "./read-rejected-body.js";
import { registerWebchatRoutes, type WebchatRouteDeps } from "./webchat/webchat-routes.js";

/** The HTTP server's own limits (config http.*): nothing slow or idle holds a connection for long. */
export type HttpServerSettings = Pick<
  Config["http"],
  "trustProxy" | "requestTimeoutMs" | "connectionTimeoutMs" | "keepAliveTimeoutMs" | "maxRequestsPerSocket" | "maxConnections"
>;

export const DEFAULT_HTTP_SETTINGS: HttpServerSettings = {
  trustProxy: false,
  requestTimeoutMs: 30_000,
  connectionTimeoutMs: 60_000,
  keepAliveTimeoutMs: 72_000,
  maxRequestsPerSocket: 1000,
  maxConnections: 2000,
};

export interface AppDeps {
  readonly logger: Logger;
  readonly maxMessageChars: number;
  readonly http?: HttpServerSettings;
  readonly webchat: WebchatRouteDeps;
  /** CSP frame-ancestors of the chat page ('none' unless sites may embed it); a channel's own sites are added. */
  readonly chatPageFrameAncestors?: string;
  /** The business, agent and look each web chat page shows. */
  readonly chatProfiles: ChatProfileReader;
  readonly readiness: Record<string, ReadinessCheck>;
  /** GET /metrics on this (public) listener: only with its bearer token; absent: not served here (404). */
  readonly metrics?: MetricsRouteOptions;
  /** Routes other adapters serve on this listener: the Meta channels' webhooks (/webhooks/whatsapp, /webhooks/instagram). */
  readonly channelRoutes?: ReadonlyArray<(app: FastifyInstance) => void>;
  /** Meta's data-deletion callback (/meta/data-deletion), served when a Meta app secret is set. */
  readonly metaDataDeletion?: MetaDataDeletionRouteDeps;
}

/** A Fastify instance with the server limits set: the public app and the metrics listener both use it. */
export function createServer(settings: HttpServerSettings, bodyLimit?: number): FastifyInstance {
  const headersTimeout = Math.min(settings.requestTimeoutMs, 20_000);
  const app = Fastify({
    ...(bodyLimit ? { bodyLimit } : {}),
    // Fastify's own logger stays off: request URLs carry ids. We log route patterns instead.
    // X-Forwarded-For is believed only as far as TRUST_PROXY says; by default the TCP peer is the client.
    trustProxy: trustProxyOption(settings.trustProxy),
    // The whole request, headers and body, within requestTimeout: a body sent a byte at a time is cut off.
    requestTimeout: settings.requestTimeoutMs,
    // Socket inactivity either way (event streams write a heartbeat every 15 s, so they stay).
    connectionTimeout: settings.connectionTimeoutMs,
    keepAliveTimeout: settings.keepAliveTimeoutMs,
    maxRequestsPerSocket: settings.maxRequestsPerSocket,
    // Node checks those timeouts every connectionsCheckingInterval (30 s by default): often enough to matter.
    http: { headersTimeout, requestTimeout: settings.requestTimeoutMs, connectionsCheckingInterval: 1000 },
  });
  // Connections beyond this are closed as they are accepted.
  app.server.maxConnections = settings.maxConnections;
  return app;
}

/** A number of hops as proxy-addr reads it (Fastify's types leave numbers out): trust the n hops nearest to us. */
function trustProxyOption(value: HttpServerSettings["trustProxy"]): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof value === "number") return (_address, hop) => hop < value;
  return typeof value === "boolean" ? value : [...value];
}

/** The gateway's HTTP app, built without listening (tests use inject(); main/ listens). */
export function buildApp(deps: AppDeps): FastifyInstance {
  // A message of maxMessageChars characters (code points) plus the JSON around it: 12 bytes is
  // the most one can take in JSON (a surrogate pair written as "\ud83d\ude00"), 4 in plain UTF-8.
  const app = createServer(deps.http ?? DEFAULT_HTTP_SETTINGS, deps.maxMessageChars * 12 + 4096);
  installErrorHandler(app, deps.logger);
  readRejectedBodies(app);
  app.addHook("onResponse", async (request, reply) => {
    deps.logger.debug(
      { method: request.method, route: request.routeOptions.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      "request",
    );
  });
  registerHealthRoutes(app, deps.readiness);
  if (deps.metrics) registerMetricsRoutes(app, deps.metrics);
  registerWebchatRoutes(app, deps.webchat);
  for (const register of deps.channelRoutes ?? []) register(app);
  if (deps.metaDataDeletion) registerMetaDataDeletionRoutes(app, deps.metaDataDeletion);
  registerChatPageRoutes(app, { frameAncestors: deps.chatPageFrameAncestors ?? "'none'", profiles: deps.chatProfiles });
  registerConsoleRoutes(app);
  return app;
}
