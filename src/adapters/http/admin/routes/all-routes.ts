import type { AdminRoute } from "../admin-route.js";
import { alertRoutes } from "./alert-routes.js";
import { apiKeyRoutes } from "./api-key-routes.js";
import { businessRoutes } from "./business-routes.js";
import { channelRoutes } from "./channel-routes.js";
import { contactRoutes } from "./contact-routes.js";
import { conversationRoutes } from "./conversation-routes.js";
import { erasureRoutes } from "./erasure-routes.js";
import { hoursRoutes } from "./hours-routes.js";
import { settingsRoutes } from "./settings-routes.js";
import { handoffRoutes } from "./handoff-routes.js";
import { knowledgeRoutes } from "./knowledge-routes.js";
import { personaRoutes } from "./persona-routes.js";
import { personaVersionRoutes } from "./persona-version-routes.js";
import { sessionRoutes } from "./session-routes.js";
import { takeoverRoutes } from "./takeover-routes.js";
import { tryItRoutes } from "./try-it-routes.js";

/** Every JSON route of the admin API, in the order the docs show them. */
export const adminRoutes: readonly AdminRoute[] = [
  ...businessRoutes,
  ...hoursRoutes,
  ...settingsRoutes,
  ...personaRoutes,
  ...personaVersionRoutes,
  ...channelRoutes,
  ...conversationRoutes,
  ...takeoverRoutes,
  ...tryItRoutes,
  ...handoffRoutes,
  ...contactRoutes,
  ...erasureRoutes,
  ...knowledgeRoutes,
  ...apiKeyRoutes,
  ...sessionRoutes,
  ...alertRoutes,
];
