import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { ApiKeyAuthenticator } from "../../../app/admin/authenticate-api-key.js";
import type { ConsoleSessions } from "../../../app/admin/console-sessions.js";
import type { AdminAuth } from "./admin-auth.js";
import { type DocumentedSchema, ERRORS_KEY } from "./openapi.js";
import { id, isoTime } from "./schemas.js";
import { SESSION_COOKIE, sameOrigin, sessionCookieOptions } from "./session-cookie.js";

const UNAUTHORIZED = { error: { code: "UNAUTHORIZED", message: "a valid API key is required: Authorization: Bearer pk_..." } };
const CROSS_SITE = { error: { code: "CROSS_SITE_REQUEST", message: "sign-out must come from the console's own site (Origin header)" } };

/**
 * POST /api/admin/session: the console's sign-in. The API key is presented once (Bearer header,
 * never in a URL or body a proxy might log) and exchanged for the session cookie; the answer says
 * who signed in. DELETE /api/admin/session: sign-out, ends this session and clears the cookie.
 */
export function registerSessionRoutes(
  scope: FastifyInstance,
  deps: { authenticator: ApiKeyAuthenticator; sessions: ConsoleSessions; auth: AdminAuth; publicBaseUrl?: string },
): void {
  // Typed loosely: the 401 and 403 answers are not listed (they keep Fastify's plain serializer).
  const signIn: DocumentedSchema = {
    operationId: "postSession",
    tags: ["sign-in"],
    summary: "Sign in (the console): the Bearer key is exchanged for the HttpOnly parlor_session cookie",
    security: [{ apiKey: [] }],
    response: {
      201: z.object({ keyId: id, businessId: id.nullable(), owner: z.boolean(), session: z.object({ id, expiresAt: isoTime }) }),
    },
    [ERRORS_KEY]: [],
  };
  scope.post("/session", { exposeHeadRoute: false, bodyLimit: 1024, schema: signIn }, async (request, reply) => {
    const caller = await deps.authenticator.authenticate(request.headers.authorization);
    if (!caller)
      return reply.status(401).header("www-authenticate", 'Bearer realm="parlor-admin"').header("cache-control", "no-store").send(UNAUTHORIZED);
    const { token, session } = await deps.sessions.open(caller, request.headers["user-agent"]);
    void reply.setCookie(SESSION_COOKIE, token, sessionCookieOptions(request, deps.sessions.ttlMs));
    return reply
      .status(201)
      .header("cache-control", "no-store")
      .send({
        keyId: caller.keyId,
        businessId: caller.businessId,
        owner: caller.businessId === null,
        session: { id: session.id, expiresAt: session.expiresAt.toISOString() },
      });
  });

  const signOut: DocumentedSchema = {
    operationId: "deleteSession",
    tags: ["sign-in"],
    summary: "Sign out: ends this console session (when signed in with the cookie) and clears the cookie",
    security: [],
    response: { 204: z.undefined().describe("No content") },
    [ERRORS_KEY]: [403],
  };
  scope.delete("/session", { exposeHeadRoute: false, schema: signOut }, async (request, reply) => {
    const found = await deps.auth.identify(request);
    if (found?.session) {
      if (!sameOrigin(request, deps.publicBaseUrl)) return reply.status(403).send(CROSS_SITE);
      await deps.sessions.revoke(found.session.keyId, found.session.sessionId);
    }
    void reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(request));
    return reply.status(204).header("cache-control", "no-store").send();
  });
}
