import Fastify, { type FastifyInstance } from "fastify";
import type { Logger } from "../ports/logger.js";
import { registerChatPageRoutes } from "./chat-page-routes.js";
import { registerConsoleRoutes } from "./console/console-routes.js";
import { installErrorHandler } from "./error-handler.js";
import { registerHealthRoutes, type ReadinessCheck } from "./health-routes.js";
import { registerMetaDataDeletionRoutes, type MetaDataDeletionRouteDeps } from "./meta-data-deletion-routes.js";
import { registerMetaWebhookRoutes, type MetaWebhookRouteDeps } from "./meta-webhook-routes.js";
import { registerMetricsRoutes } from "./metrics-routes.js";
import { readRejectedBodies } from "./read-rejected-body.js";
import type { MetricsSource } from "../ports/metrics-source.js";
import { registerWebchatRoutes, type WebchatRouteDeps } from "./webchat-routes.js";

export interface AppDeps {
  readonly logger: Logger;
  readonly maxMessageChars: number;
  readonly webchat: WebchatRouteDeps;
  readonly readiness: Record<string, ReadinessCheck>;
  /** Figures for GET /metrics (Prometheus). */
  readonly metrics?: MetricsSource;
  /** WhatsApp Cloud API and Instagram webhooks (/webhooks/whatsapp, /webhooks/instagram). */
  readonly meta?: MetaWebhookRouteDeps;
  /** Meta's data-deletion callback (/meta/data-deletion), served when a Meta app secret is set. */
  readonly metaDataDeletion?: MetaDataDeletionRouteDeps;
}

/** The gateway's HTTP app, built without listening (tests use inject(); main/ listens). */
export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    // A message of maxMessageChars characters (code points) plus the JSON around it: 12 bytes is
    // the most one can take in JSON (a surrogate pair written as "\ud83d\ude00"), 4 in plain UTF-8.
    bodyLimit: deps.maxMessageChars * 12 + 4096,
    // Fastify's own logger stays off: request URLs carry session ids. We log route patterns instead.
    trustProxy: true,
  });
  installErrorHandler(app, deps.logger);
  readRejectedBodies(app);
  app.addHook("onResponse", async (request, reply) => {
    deps.logger.debug({ method: request.method, route: request.routeOptions.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, "request");
  });
  registerHealthRoutes(app, deps.readiness);
  if (deps.metrics) registerMetricsRoutes(app, deps.metrics);
  registerWebchatRoutes(app, deps.webchat);
  if (deps.meta) registerMetaWebhookRoutes(app, deps.meta);
  if (deps.metaDataDeletion) registerMetaDataDeletionRoutes(app, deps.metaDataDeletion);
  registerChatPageRoutes(app);
  registerConsoleRoutes(app);
  return app;
}
