import Fastify, { type FastifyInstance } from "fastify";
import { signMetaPayload } from "../../src/adapters/channels/meta/meta-signature.js";
import { installErrorHandler } from "../../src/adapters/http/error-handler.js";
import { readRejectedBodies } from "../../src/adapters/http/read-rejected-body.js";
import { registerMetaWebhookRoutes, type MetaWebhookRouteDeps } from "../../src/adapters/channels/meta/meta-webhook-routes.js";
import { createLogger } from "../../src/adapters/logging/create-logger.js";

export const WHATSAPP_APP = { appSecret: "wa-app-secret-0123456789abcdef", verifyToken: "wa-verify-token" } as const;
export const INSTAGRAM_APP = { appSecret: "ig-app-secret-fedcba9876543210", verifyToken: "ig-verify-token" } as const;
export const MAX_MESSAGE_CHARS = 4000;

/** The gateway's app shape (same global body limit and error handler) with only the Meta routes. */
export function buildMetaTestApp(deps: Partial<MetaWebhookRouteDeps> & Pick<MetaWebhookRouteDeps, "accept" | "channels">): FastifyInstance {
  const logger = deps.logger ?? createLogger("silent", "test");
  const app = Fastify({ bodyLimit: MAX_MESSAGE_CHARS * 12 + 4096 });
  installErrorHandler(app, logger);
  readRejectedBodies(app);
  registerMetaWebhookRoutes(app, {
    onStatus: async () => undefined,
    maxMessageChars: MAX_MESSAGE_CHARS,
    whatsapp: WHATSAPP_APP,
    instagram: INSTAGRAM_APP,
    bodyLimitBytes: 1024 * 1024,
    logger,
    ...deps,
  });
  return app;
}

/** A webhook POST as Meta sends it: raw JSON bytes signed with the app secret. */
export function signedPost(path: "/webhooks/whatsapp" | "/webhooks/instagram", body: string | Buffer, appSecret?: string) {
  const secret = appSecret ?? (path === "/webhooks/whatsapp" ? WHATSAPP_APP.appSecret : INSTAGRAM_APP.appSecret);
  return {
    method: "POST" as const,
    url: path,
    headers: { "content-type": "application/json", "x-hub-signature-256": signMetaPayload(body, secret) },
    payload: body,
  };
}
