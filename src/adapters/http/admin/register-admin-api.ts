import fastifyCookie from "@fastify/cookie";
import type { FastifyInstance } from "fastify";
import { ApiKeyAuthenticator } from "../../../app/admin/authenticate-api-key.js";
import { ConsoleSessions } from "../../../app/admin/console-sessions.js";
import { AdminAuth } from "./admin-auth.js";
import type { AdminApiDeps } from "./admin-deps.js";
import { installAdminErrorHandler } from "./admin-error-handler.js";
import { registerConversationEventsRoute } from "./conversation-events-route.js";
import { registerAdminDocsRoutes } from "./docs-routes.js";
import { mountAdminRoutes } from "./mount-admin-routes.js";
import { registerSessionRoutes } from "./session-routes.js";
import { registerAdminOpenApi } from "./openapi.js";
import { useZodSchemas } from "../zod-validation.js";
import { adminRoutes } from "./routes/all-routes.js";

export type { AdminApiDeps } from "./admin-deps.js";

export const ADMIN_PREFIX = "/api/admin";

/** How long a console sign-in lasts unless the deps say otherwise (CONSOLE_SESSION_DAYS). */
const DEFAULT_SESSION_TTL_MS = 30 * 86_400_000;

/**
 * The admin REST API under /api/admin, in its own encapsulated scope (own error and not-found
 * handlers, own body limit). Every JSON route needs an API key; a business key only ever sees its
 * own business (anything else is 404). /api/admin/openapi.json and /api/admin/docs are public.
 * The console signs in once (POST /session with the key) and then sends its session cookie.
 */
export function registerAdminApi(app: FastifyInstance, deps: AdminApiDeps): void {
  const authenticator = new ApiKeyAuthenticator(deps.store.apiKeys, {
    ...(deps.hasher ? { hasher: deps.hasher } : {}),
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  const sessions =
    deps.sessions ??
    new ConsoleSessions(deps.store.consoleSessions, deps.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS, deps.clock ? { clock: deps.clock } : {});
  const auth = new AdminAuth(authenticator, { sessions, ...(deps.publicBaseUrl ? { publicBaseUrl: deps.publicBaseUrl } : {}) });
  const logger = deps.logger.child({ component: "admin-api" });
  void app.register(
    async (scope) => {
      await scope.register(fastifyCookie);
      // First: @fastify/swagger documents the routes registered after it.
      await registerAdminOpenApi(scope, [...new Set(adminRoutes.map((r) => r.tag))]);
      useZodSchemas(scope);
      installAdminErrorHandler(scope, logger, deps.isStoreUnavailable);
      registerSessionRoutes(scope, { authenticator, sessions, auth, ...(deps.publicBaseUrl ? { publicBaseUrl: deps.publicBaseUrl } : {}) });
      mountAdminRoutes(scope, adminRoutes, { ...deps, logger, sessions }, auth);
      registerConversationEventsRoute(scope, { ...deps, logger }, auth);
      await registerAdminDocsRoutes(scope, ADMIN_PREFIX);
    },
    { prefix: ADMIN_PREFIX },
  );
}
